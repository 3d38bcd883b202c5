import { runMain } from '@mesh/runtime';
import { galleySpecs } from './config.js';
import { startGalley } from './galley-process.js';

// Composition root of the mesh-galley bin: settings → startGalley → lifecycle (SIGTERM drains).
runMain({
  bin: 'mesh-galley',
  summary: 'validates and stores mesh config, serves a Kubernetes-style API, publishes changes on NATS',
  specs: galleySpecs,
  start: startGalley,
}).catch((err: unknown) => {
  process.stderr.write(`mesh-galley: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
