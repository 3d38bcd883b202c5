import fs from 'node:fs';
import { runMain } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import { buildSidecarConfig, sidecarSettingSpecs } from './config.js';
import type { SidecarConfig } from './config.js';
import { CertificateAgent } from './identity/index.js';
import { MixerObserver, MixerReporter } from './mixer/index.js';
import type { RequestObserver } from './proxy/observer.js';
import type { SidecarComponent } from './sidecar.js';
import { Sidecar } from './sidecar.js';

/** The certificate agent, when Citadel is configured: started before the listeners, state on /certs. */
function identityAgent(config: SidecarConfig, logger: Logger): CertificateAgent | undefined {
  const s = config.settings;
  if (s.citadelAddress === undefined || s.citadelRootCertFile === undefined || s.citadelTokenFile === undefined) {
    logger.info('no Citadel configured (MESH_SIDECAR_CITADEL_ADDRESS): the workload runs without a certificate');
    return undefined;
  }
  return new CertificateAgent({
    citadelAddress: s.citadelAddress,
    rootCertPem: fs.readFileSync(s.citadelRootCertFile, 'utf8'),
    token: fs.readFileSync(s.citadelTokenFile, 'utf8').trim(),
    trustDomain: s.trustDomain,
    namespace: s.namespace,
    serviceAccount: s.serviceAccount,
    ttlSeconds: s.certTtlS,
    logger: logger.child({ component: 'identity' }),
  });
}

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
    const adminRoutes: Array<{ path: string; handler: () => unknown }> = [];

    const agent = identityAgent(config, logger);
    if (agent) {
      components.push({ name: 'identity', start: () => agent.start(), stop: () => agent.stop() });
      adminRoutes.push({ path: '/certs', handler: () => agent.state() });
    }
    if (settings.mixerAddress !== undefined) {
      const reporter = new MixerReporter({ address: settings.mixerAddress, logger: logger.child({ component: 'mixer-reporter' }) });
      components.push({ name: 'mixer-reporter', stop: () => reporter.stop() });
      observers.push(new MixerObserver(reporter, { uid: `kubernetes://${config.workloadName}.${settings.namespace}`, domainSuffix: 'cluster.local' }, settings.trustDomain));
      adminRoutes.push({ path: '/mixer', handler: () => reporter.stats() });
    }
    const sidecar = new Sidecar({
      config,
      logger,
      components,
      observers,
      adminRoutes,
      // POST /quitquitquit exits the way SIGTERM does: drain, close, exit 0.
      onQuit: () => process.kill(process.pid, 'SIGTERM'),
    });
    await sidecar.start();
    return sidecar;
  },
});
