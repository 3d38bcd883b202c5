import { createProcessMetrics, runMain } from '@mesh/runtime';
import type { Logger, ProcessMetrics } from '@mesh/runtime';
import { buildSidecarConfig, sidecarSettingSpecs } from './config.js';
import type { SidecarConfig } from './config.js';
import { CertificateFileWriter, certificateAgentFromSettings } from './identity/index.js';
import type { CertificateAgent } from './identity/index.js';
import { MixerChecker, MixerObserver, MixerReporter, mixerPolicyCheck, parseQuotaCharges } from './mixer/index.js';
import type { RequestObserver } from './proxy/observer.js';
import type { SidecarComponent, SidecarOptions } from './sidecar.js';
import { Sidecar } from './sidecar.js';
import { xdsMtlsCredentials } from './security/tls/xds-credentials.js';

/** The certificate agent, when Citadel is configured: started before the listeners, state on /certs, metrics on /metrics. */
function identityAgent(config: SidecarConfig, logger: Logger, metrics: ProcessMetrics): CertificateAgent | undefined {
  const agent = certificateAgentFromSettings(config.settings, logger.child({ component: 'identity' }), metrics.meter);
  if (!agent) logger.info('no Citadel configured (MESH_SIDECAR_CITADEL_ADDRESS): the workload runs without a certificate');
  return agent;
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
    let policyCheck: SidecarOptions['policyCheck'];

    // One metrics registry for the proxy and the certificate agent (sidecar_agent_* on /metrics).
    const metrics = createProcessMetrics('mesh-sidecar');
    const agent = identityAgent(config, logger, metrics);
    const files = agent && settings.certOutputDir !== undefined ? new CertificateFileWriter(agent, settings.certOutputDir, logger.child({ component: 'cert-files' })) : undefined;
    if (agent && settings.mode === 'agent' && files) {
      // Only the agent (Istio's pilot-agent beside pilot-discovery): no proxy, no xDS.
      await agent.start();
      files.start();
      return {
        stop: async () => {
          files.stop();
          await agent.stop();
          await metrics.shutdown();
        },
      };
    }
    if (agent) {
      components.push({ name: 'identity', start: () => agent.start(), stop: () => agent.stop() });
      if (files) components.push({ name: 'cert-files', start: async () => files.start(), stop: async () => files.stop() });
      adminRoutes.push({ path: '/certs', handler: () => agent.state() });
    }
    if (settings.mixerAddress !== undefined) {
      const reporter = new MixerReporter({ address: settings.mixerAddress, logger: logger.child({ component: 'mixer-reporter' }) });
      components.push({ name: 'mixer-reporter', stop: () => reporter.stop() });
      observers.push(new MixerObserver(reporter, { uid: `kubernetes://${config.workloadName}.${settings.namespace}`, domainSuffix: 'cluster.local' }, settings.trustDomain));
      const identity = { uid: `kubernetes://${config.workloadName}.${settings.namespace}`, domainSuffix: 'cluster.local' };
      const checker = settings.mixerCheck ? new MixerChecker({ address: settings.mixerAddress, logger: logger.child({ component: 'mixer-check' }), failOpen: settings.mixerFailOpen, timeoutMs: settings.mixerCheckTimeoutMs, quotas: parseQuotaCharges(settings.mixerQuotas) }) : undefined;
      if (checker) {
        components.push({ name: 'mixer-check', stop: () => checker.stop() });
        policyCheck = mixerPolicyCheck(checker, identity, settings.trustDomain);
      }
      adminRoutes.push({ path: '/mixer', handler: () => ({ report: reporter.stats(), check: checker?.stats() }) });
    }
    const sidecar = new Sidecar({
      config,
      logger,
      metrics,
      ...(agent ? { identity: agent } : {}),
      // Pilot's mTLS port: the workload certificate, and Pilot's SPIFFE ID checked against the mesh root.
      ...(agent && settings.pilotTls ? { xdsCredentials: xdsMtlsCredentials(agent, settings.pilotSan ?? `spiffe://${settings.trustDomain}/ns/mesh-system/sa/pilot`) } : {}),
      components,
      observers,
      adminRoutes,
      ...(policyCheck ? { policyCheck } : {}),
      // POST /quitquitquit exits the way SIGTERM does: drain, close, exit 0.
      onQuit: () => process.kill(process.pid, 'SIGTERM'),
    });
    await sidecar.start();
    return sidecar;
  },
});
