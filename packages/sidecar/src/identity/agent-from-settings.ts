import fs from 'node:fs';
import type { Logger } from '@mesh/runtime';
import type { SidecarSettings } from '../config.js';
import { CertificateAgent } from './certificate-agent.js';
import { FileTokenSource } from './token-source.js';
import type { AgentMeter } from './types.js';

/**
 * The certificate agent the settings describe, or undefined when no Citadel is configured. The
 * identity is proven with the Kubernetes service-account token file when one is set (re-read for
 * every request), else with the bootstrap token file.
 */
export function certificateAgentFromSettings(s: SidecarSettings, logger: Logger, metrics?: AgentMeter): CertificateAgent | undefined {
  if (s.citadelAddress === undefined || s.citadelRootCertFile === undefined) return undefined;
  const tokenSource =
    s.citadelSaTokenFile !== undefined
      ? new FileTokenSource(s.citadelSaTokenFile, 'kubernetes-sa-token')
      : s.citadelTokenFile !== undefined
        ? new FileTokenSource(s.citadelTokenFile, 'bootstrap-token')
        : undefined;
  if (!tokenSource) return undefined;
  return new CertificateAgent({
    citadelAddress: s.citadelAddress,
    rootCertPem: fs.readFileSync(s.citadelRootCertFile, 'utf8'),
    tokenSource,
    trustDomain: s.trustDomain,
    namespace: s.namespace,
    serviceAccount: s.serviceAccount,
    ttlSeconds: s.certTtlS,
    retryInitialMs: s.certRetryInitialMs,
    retryMaxMs: s.certRetryMaxMs,
    startTimeoutMs: s.certStartTimeoutMs,
    logger,
    ...(metrics ? { metrics } : {}),
  });
}
