import type net from 'node:net';
import tls from 'node:tls';
import type { DownstreamTlsModel } from '../../routing/model.js';
import { replaySocket } from '../../proxy/replay-socket.js';
import type { PeerCertificateInfo } from './peer-identity.js';
import { peerCertificateInfo, principalOf, sanMatches } from './peer-identity.js';
import type { TlsSecrets } from './tls-secrets.js';

/** A terminated TLS connection: the clear stream and who the client proved to be. */
export interface SecuredConnection {
  readonly socket: tls.TLSSocket;
  /** The client's certificate, when it sent one that verified. */
  readonly peer?: PeerCertificateInfo;
  /** Istio's `source.principal` (`cluster.local/ns/<ns>/sa/<sa>`) from the client's SPIFFE ID. */
  readonly principal?: string;
}

/** Why a TLS connection was refused, as Envoy's `ssl.*` listener stat suffix. */
export type TlsFailure = 'no_certificate' | 'connection_error' | 'fail_verify_no_cert' | 'fail_verify_error' | 'fail_verify_san';

/**
 * OpenSSL's verdict on the client's chain (against the context's CA), as Node's own `tls.Server`
 * reads it after the handshake (`onServerSocketSecure`): a TLSSocket built directly, as here, is
 * never marked `authorized`, and OpenSSL lets the handshake finish either way — so the verdict must
 * be read, or an untrusted certificate would pass. Fails closed when it cannot be read.
 */
function chainVerifyError(socket: tls.TLSSocket): string | undefined {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  if (typeof handle?.verifyError !== 'function') return 'cannot read the verification result';
  const err = handle.verifyError();
  return err ? (err.code ?? err.message) : undefined;
}

/**
 * The ALPN answer of a server chain: its first protocol the client offers; otherwise the client's
 * first (Envoy carries on without ALPN when nothing matches, where Node would refuse the
 * handshake — a mesh client offering only `istio` must still get through).
 */
function selectAlpn(serverAlpn: readonly string[]): (arg: { protocols: string[] }) => string | undefined {
  return ({ protocols }) => serverAlpn.find((p) => protocols.includes(p)) ?? protocols[0];
}

/**
 * Terminates TLS on a connection with a chain's `DownstreamTlsContext`: the certificate from the
 * config or the agent (SDS `default`, the context in force at this handshake, so rotation never
 * touches established connections), client certificates required and verified against the trust
 * bundle when the chain says so (mTLS), then the SAN matchers. `peeked` are bytes already read
 * by the TLS inspector.
 */
export function terminateTls(
  socket: net.Socket,
  peeked: Buffer,
  t: DownstreamTlsModel,
  secrets: TlsSecrets,
  done: (outcome: { ok: true; conn: SecuredConnection } | { ok: false; failure: TlsFailure; message: string }) => void,
): void {
  const ctx = secrets.serverContext(t);
  if (!ctx.ok) {
    socket.destroy();
    return done({ ok: false, failure: ctx.reason === 'no_certificate' ? 'no_certificate' : 'connection_error', message: ctx.message });
  }
  const verifies = t.requireClientCertificate || t.trustedCa !== undefined || t.sds?.validation !== undefined;
  // A plain net.Socket with nothing read yet is handed to TLS natively; otherwise relay the replayed bytes.
  const transport = peeked.length > 0 ? (replaySocket(socket, peeked) as unknown as net.Socket) : socket;
  const tlsSocket = new tls.TLSSocket(transport, {
    isServer: true,
    secureContext: ctx.context,
    requestCert: verifies,
    rejectUnauthorized: t.requireClientCertificate,
    ...(t.alpn.length > 0 ? { ALPNCallback: selectAlpn(t.alpn) } : {}),
  });
  // The server counts the raw connection: it must close with the TLS one (a handle taken over natively never says so itself).
  tlsSocket.once('close', () => socket.destroy());
  // The TLS socket inherits the raw socket's allowHalfOpen (HTTP servers set it): answer the peer's end with ours, or it stays open.
  tlsSocket.once('end', () => {
    if (tlsSocket.writable) tlsSocket.end();
  });
  let settled = false;
  const fail = (failure: TlsFailure, message: string): void => {
    tlsSocket.destroy();
    socket.destroy();
    if (settled) return;
    settled = true;
    done({ ok: false, failure, message });
  };
  tlsSocket.on('error', (err: Error) => fail(/certificate/i.test(err.message) ? 'fail_verify_no_cert' : 'connection_error', err.message));
  tlsSocket.once('secure', () => {
    const cert = tlsSocket.getPeerCertificate();
    const sent = cert !== undefined && cert.raw !== undefined;
    if (t.requireClientCertificate && !sent) return fail('fail_verify_no_cert', 'the client sent no certificate');
    const verifyError = sent ? chainVerifyError(tlsSocket) : undefined;
    if (verifyError) return fail('fail_verify_error', `client certificate rejected: ${verifyError}`);
    if (t.matchSubjectAltNames && !sanMatches(cert?.subjectaltname, t.matchSubjectAltNames)) return fail('fail_verify_san', `client certificate SANs ${cert?.subjectaltname ?? '(none)'} match none allowed`);
    const peer = sent && !verifyError ? peerCertificateInfo(cert) : undefined;
    const principal = peer ? principalOf(peer.uriSans) : undefined;
    settled = true;
    done({ ok: true, conn: { socket: tlsSocket, ...(peer ? { peer } : {}), ...(principal ? { principal } : {}) } });
  });
}
