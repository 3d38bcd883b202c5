/**
 * On Pilot's mTLS port a proxy proves who it is with its certificate; the identity its xDS node
 * metadata claims (NAMESPACE, SERVICE_ACCOUNT) must be that one, or a workload could register as
 * another service's endpoint and receive its traffic. Pure: the SANs come from the TLS layer.
 */
export type PeerIdentityCheck = { readonly ok: true; readonly identity?: string } | { readonly ok: false; readonly message: string };

/** The URI SANs of Node's `subjectaltname` text. */
export function uriSans(subjectaltname: string | undefined): string[] {
  return (subjectaltname ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

/**
 * Checks the node metadata of a stream's first request against the peer certificate. Without a
 * peer certificate (the plaintext port) there is nothing to check.
 */
export function checkPeerIdentity(peerSubjectAltName: string | undefined, metadata: Record<string, unknown>, trustDomain: string): PeerIdentityCheck {
  if (peerSubjectAltName === undefined) return { ok: true };
  const namespace = typeof metadata['NAMESPACE'] === 'string' && metadata['NAMESPACE'] ? metadata['NAMESPACE'] : 'default';
  const serviceAccount = typeof metadata['SERVICE_ACCOUNT'] === 'string' && metadata['SERVICE_ACCOUNT'] ? metadata['SERVICE_ACCOUNT'] : 'default';
  const claimed = `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
  const sans = uriSans(peerSubjectAltName);
  if (sans.includes(claimed)) return { ok: true, identity: claimed };
  return { ok: false, message: `the node metadata claims ${claimed} but the client certificate is ${sans.join(', ') || 'without a SPIFFE ID'}` };
}
