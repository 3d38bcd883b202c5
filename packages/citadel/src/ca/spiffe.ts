/**
 * SPIFFE identities as Istio uses them: `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`
 * (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md). The trust domain is a
 * lower-case DNS-like name; namespace and service account follow Kubernetes naming (DNS labels /
 * subdomains), which also keeps them safe in logs, URIs and metric labels.
 */
const TRUST_DOMAIN = /^[a-z0-9]([a-z0-9.-]{0,253}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const SPIFFE_ID = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** The parts of a workload's SPIFFE ID. */
export interface SpiffeIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

/** True for a valid trust domain name (`cluster.local`). */
export function isValidTrustDomain(td: string): boolean {
  return TRUST_DOMAIN.test(td);
}

/** Builds the SPIFFE ID; throws on names that could not round-trip through {@link parseSpiffeId}. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  const id = `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
  if (!parseSpiffeId(id)) throw new Error(`not a valid workload identity: ${id}`);
  return id;
}

/** Parses a workload SPIFFE ID; undefined when the URI is not one. */
export function parseSpiffeId(uri: string): SpiffeIdentity | undefined {
  const m = SPIFFE_ID.exec(uri);
  if (!m) return undefined;
  const [, trustDomain, namespace, serviceAccount] = m as unknown as [string, string, string, string];
  if (!TRUST_DOMAIN.test(trustDomain) || !NAME.test(namespace) || !NAME.test(serviceAccount)) return undefined;
  return { trustDomain, namespace, serviceAccount };
}
