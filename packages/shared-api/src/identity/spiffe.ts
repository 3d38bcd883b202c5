/**
 * Workload identities as Istio spells them: `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`
 * (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md). Citadel puts this URI in
 * the only SAN of every workload certificate and sidecars ask for it, so the rules live here once.
 * The trust domain is a lower-case DNS-like name; namespace and service account follow Kubernetes
 * naming (DNS labels / subdomains), which also keeps them safe in logs, URIs and metric labels.
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

/** Thrown by {@link spiffeId} for a part that cannot appear in a workload SPIFFE ID. */
export class InvalidSpiffeIdError extends Error {
  override readonly name = 'InvalidSpiffeIdError';
  constructor(
    /** Which part is malformed. */
    readonly part: keyof SpiffeIdentity,
    /** The rejected value. */
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

/** True for a valid trust domain name (`cluster.local`). */
export function isValidTrustDomain(td: string): boolean {
  return TRUST_DOMAIN.test(td);
}

/** Builds the SPIFFE ID; throws {@link InvalidSpiffeIdError} naming the part that would not round-trip through {@link parseSpiffeId}. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  if (!TRUST_DOMAIN.test(trustDomain)) throw new InvalidSpiffeIdError('trustDomain', trustDomain, `trust domain "${trustDomain}" is not a lower-case DNS-like name`);
  if (!NAME.test(namespace)) throw new InvalidSpiffeIdError('namespace', namespace, `namespace "${namespace}" is not a lower-case DNS name`);
  if (!NAME.test(serviceAccount)) throw new InvalidSpiffeIdError('serviceAccount', serviceAccount, `service account "${serviceAccount}" is not a lower-case DNS name`);
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Parses a workload SPIFFE ID; undefined when the URI is not one (another shape, or a malformed part). */
export function parseSpiffeId(uri: string): SpiffeIdentity | undefined {
  const m = SPIFFE_ID.exec(uri);
  if (!m) return undefined;
  const [, trustDomain, namespace, serviceAccount] = m as unknown as [string, string, string, string];
  if (!TRUST_DOMAIN.test(trustDomain) || !NAME.test(namespace) || !NAME.test(serviceAccount)) return undefined;
  return { trustDomain, namespace, serviceAccount };
}
