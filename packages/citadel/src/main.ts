import { runMain } from '@mesh/runtime';
import { startCitadel } from './citadel.js';
import { citadelSettings } from './config.js';

runMain({
  bin: 'mesh-citadel',
  summary: 'the mesh certificate authority: signs workload CSRs (istio.v1.auth.IstioCertificateService) and publishes the trust bundle',
  specs: citadelSettings(),
  start: startCitadel,
}).catch((err: unknown) => {
  process.stderr.write(`mesh-citadel: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
