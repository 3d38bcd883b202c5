import { runMain } from '@mesh/runtime';
import { MIXER_SETTINGS } from './config.js';
import { startMixer } from './start-mixer.js';

// Composition root of the mesh-mixer bin: settings → startMixer → lifecycle (SIGTERM → stop → exit 0).
runMain({
  bin: 'mesh-mixer',
  summary: 'Mixer: policy Check and telemetry Report (istio.mixer.v1.Mixer)',
  specs: MIXER_SETTINGS,
  start: startMixer,
}).catch((err: unknown) => {
  process.stderr.write(`mesh-mixer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
