import { runMain } from '@mesh/runtime';
import { buildSidecarConfig, sidecarSettingSpecs } from './config.js';
import type { RequestObserver } from './proxy/observer.js';
import type { SidecarComponent } from './sidecar.js';
import { Sidecar } from './sidecar.js';

/**
 * Composition root of `mesh-sidecar`: read settings, build the sidecar and its optional parts,
 * run until SIGTERM. Optional parts (the certificate agent, the Mixer report client) are added
 * here: components are started before the listeners and stopped after them; request observers
 * receive every finished request.
 */
void runMain({
  bin: 'mesh-sidecar',
  summary: 'the mesh sidecar proxy: routes the workload’s inbound and outbound HTTP by the xDS config from Pilot',
  specs: sidecarSettingSpecs,
  async start(settings, logger) {
    const config = buildSidecarConfig(settings);
    const components: SidecarComponent[] = [];
    const observers: RequestObserver[] = [];
    const sidecar = new Sidecar({
      config,
      logger,
      components,
      observers,
      // POST /quitquitquit exits the way SIGTERM does: drain, close, exit 0.
      onQuit: () => process.kill(process.pid, 'SIGTERM'),
    });
    await sidecar.start();
    return sidecar;
  },
});
