/**
 * The ACK/NACK rules of the xDS state-of-the-world protocol, as one pure function.
 * Spec: https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-and-nack-semantics
 * and #resource-updates, #when-to-send-an-update (one request per response; nonces order them).
 */

/** What this stream last sent for one type, as the decision needs it. */
export interface LastSent {
  version: string;
  nonce: string;
}

/** The fields of a DiscoveryRequest the decision reads. */
export interface RequestView {
  /** The version the client last *accepted* for this type ('' before any). */
  versionInfo: string;
  /** The nonce of the response this request answers ('' on a subscription). */
  responseNonce: string;
  /** Set when the client rejects the response (NACK). */
  errorDetail?: { code?: number; message?: string } | null;
  resourceNames: readonly string[];
}

/** The outcome for one request. */
export type AckDecision =
  /** A (re)subscription to the type: answer with the current resources. */
  | { kind: 'subscribe' }
  /** The client applied the response with `nonce`; `resend` when it also changed the names it wants. */
  | { kind: 'ack'; version: string; resend: boolean }
  /** The client rejected `rejectedVersion` and keeps serving `keptVersion`; nothing is resent until new config. */
  | { kind: 'nack'; rejectedVersion: string; keptVersion: string; message: string }
  /** The request answers an older response than the latest sent: it says nothing about the latest; ignore it. */
  | { kind: 'stale'; nonce: string; latestNonce: string | undefined };

/**
 * Classifies one DiscoveryRequest of a type against what the stream last sent of that type.
 *
 * 1. No `response_nonce`: the client's first request for the type (or a re-subscription after it
 *    lost track): send the current resources, whatever was sent before.
 * 2. `response_nonce` ≠ the latest nonce sent: stale. It answers an earlier response (the client had
 *    not yet seen the latest when it wrote it), so neither its version nor its error is current.
 * 3. `error_detail` set: NACK of the latest response. `version_info` is the version the client still
 *    runs; record the rejection and do not send the same version again — only new config is sent.
 * 4. Otherwise: ACK of the latest response; `version_info` is the version now applied. If the request
 *    names different resources than the previous one, the client changed its subscription (EDS/RDS
 *    follow CDS/LDS), which in state of the world is answered with the requested set.
 */
export function decideRequest(req: RequestView, lastSent: LastSent | undefined, previousNames: readonly string[]): AckDecision {
  if (req.responseNonce === '') return { kind: 'subscribe' };
  if (!lastSent || req.responseNonce !== lastSent.nonce) return { kind: 'stale', nonce: req.responseNonce, latestNonce: lastSent?.nonce };
  if (req.errorDetail) {
    return { kind: 'nack', rejectedVersion: lastSent.version, keptVersion: req.versionInfo, message: req.errorDetail.message ?? '' };
  }
  return { kind: 'ack', version: req.versionInfo || lastSent.version, resend: !sameNames(req.resourceNames, previousNames) };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((n) => set.has(n));
}
