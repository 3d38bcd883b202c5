import { runMain } from '@mesh/runtime';
import { pilotSettingSpecs } from './config.js';
import { startPilot } from './pilot.js';

/** The `mesh-pilot` process: service discovery and xDS v3 (ADS) for sidecars. */
void runMain({
  bin: 'mesh-pilot',
  summary: 'service discovery and Envoy xDS v3 (ADS) for the mesh sidecars',
  specs: pilotSettingSpecs,
  start: startPilot,
});
