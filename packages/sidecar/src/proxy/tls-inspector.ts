/**
 * A TLS ClientHello reader, as Envoy's tls_inspector listener filter
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/tls_inspector):
 * from the first bytes of a connection it tells whether they start a TLS handshake and, if so, the
 * SNI server name and ALPN protocols, without consuming anything (the bytes are replayed to
 * whatever handles the connection). RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301.
 */
export type ClientHelloResult =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'not-tls' }
  | { readonly kind: 'tls'; readonly serverName?: string; readonly alpn: readonly string[] };

/** The largest ClientHello the inspector waits for (Envoy's default max is 64 KiB; 16 KiB covers every real one). */
export const MAX_CLIENT_HELLO = 16 * 1024;

/** Reads the ClientHello at the start of `data` (possibly still incomplete). */
export function readClientHello(data: Buffer): ClientHelloResult {
  if (data.length < 1) return { kind: 'need-more' };
  if (data[0] !== 0x16) return { kind: 'not-tls' };
  if (data.length < 5) return { kind: 'need-more' };
  if (data[1] !== 0x03) return { kind: 'not-tls' };
  const recordLength = data.readUInt16BE(3);
  if (data.length < 5 + recordLength) return data.length >= MAX_CLIENT_HELLO ? { kind: 'tls', alpn: [] } : { kind: 'need-more' };
  const hs = data.subarray(5, 5 + recordLength);
  // A handshake message of type 1 (ClientHello); a hello split over several records is treated as TLS without SNI.
  if (hs.length < 4 || hs[0] !== 0x01) return { kind: 'tls', alpn: [] };
  try {
    return parseHello(hs.subarray(4, 4 + hs.readUIntBE(1, 3)));
  } catch {
    return { kind: 'tls', alpn: [] };
  }
}

function parseHello(b: Buffer): ClientHelloResult {
  let o = 2 + 32; // client_version, random
  o += 1 + b[o]!; // session_id
  o += 2 + b.readUInt16BE(o); // cipher_suites
  o += 1 + b[o]!; // compression_methods
  if (o + 2 > b.length) return { kind: 'tls', alpn: [] };
  const end = Math.min(b.length, o + 2 + b.readUInt16BE(o));
  o += 2;
  let serverName: string | undefined;
  const alpn: string[] = [];
  while (o + 4 <= end) {
    const type = b.readUInt16BE(o);
    const len = b.readUInt16BE(o + 2);
    const ext = b.subarray(o + 4, o + 4 + len);
    o += 4 + len;
    if (type === 0x0000 && ext.length >= 5) {
      // server_name_list: list length, then entries (type 0 = host_name, length, name)
      let p = 2;
      while (p + 3 <= ext.length) {
        const nameType = ext[p]!;
        const nameLen = ext.readUInt16BE(p + 1);
        if (nameType === 0) serverName = ext.subarray(p + 3, p + 3 + nameLen).toString('ascii').toLowerCase();
        p += 3 + nameLen;
      }
    } else if (type === 0x0010 && ext.length >= 2) {
      let p = 2;
      while (p < ext.length) {
        const l = ext[p]!;
        alpn.push(ext.subarray(p + 1, p + 1 + l).toString('ascii'));
        p += 1 + l;
      }
    }
  }
  return serverName ? { kind: 'tls', serverName, alpn } : { kind: 'tls', alpn };
}

/**
 * Reads a connection's first bytes until the ClientHello is complete (or the bytes are not TLS,
 * or `timeoutMs` passes: then plaintext), pauses the socket and calls back with what was read,
 * which the caller must replay.
 */
export function peekClientHello(socket: { on: NodeJS.EventEmitter['on']; off: NodeJS.EventEmitter['off']; once: NodeJS.EventEmitter['once']; pause(): unknown; resume(): unknown }, timeoutMs: number, done: (hello: ClientHelloResult, peeked: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  let finished = false;
  const finish = (r: ClientHelloResult): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.pause();
    done(r, buf);
  };
  const timer = setTimeout(() => finish({ kind: 'not-tls' }), timeoutMs);
  const onData = (c: Buffer): void => {
    buf = Buffer.concat([buf, c]);
    const r = readClientHello(buf);
    if (r.kind !== 'need-more') finish(r);
    else if (buf.length >= MAX_CLIENT_HELLO) finish({ kind: 'tls', alpn: [] });
  };
  socket.on('data', onData);
  socket.once('close', () => {
    finished = true;
    clearTimeout(timer);
  });
  socket.resume();
}
