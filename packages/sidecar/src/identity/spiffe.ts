/**
 * The workload SPIFFE ID, `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`
 * (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md). Citadel applies the same
 * rules; it is repeated here because services never import each other.
 */
const TRUST_DOMAIN = /^[a-z0-9]([a-z0-9.-]{0,253}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** Builds the SPIFFE ID; throws with a message naming the bad part. */
export function workloadSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  if (!TRUST_DOMAIN.test(trustDomain)) throw new Error(`trust domain "${trustDomain}" is not a lower-case DNS-like name`);
  if (!NAME.test(namespace)) throw new Error(`namespace "${namespace}" is not a lower-case DNS name`);
  if (!NAME.test(serviceAccount)) throw new Error(`service account "${serviceAccount}" is not a lower-case DNS name`);
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
