import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { Attempt, AttemptEvents, AttemptSpec } from './upstream-attempt.js';

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_FLAG_END_STREAM } = http2.constants;

/** Request headers for an HTTP/2 stream: pseudo-headers from the request line, `host` as `:authority`. */
function h2Headers(spec: AttemptSpec): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':method': spec.method, ':path': spec.path, ':scheme': 'http', ':authority': String(spec.headers['host'] ?? '') };
  for (const [k, v] of Object.entries(spec.headers)) if (k !== 'host' && v !== undefined) out[k] = v;
  return out;
}

function withoutPseudo(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const k in headers) if (k.charCodeAt(0) !== 58) out[k] = headers[k];
  return out;
}

/**
 * One request as a stream on a multiplexed HTTP/2 connection (h2c). A stream that fails before
 * the connection was made is a connect failure; one the server refused (REFUSED_STREAM) was not
 * processed and may be retried with `refused-stream`; any other reset before headers is a reset.
 */
export class H2Attempt implements Attempt {
  private stream: ClientHttp2Stream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private responded = false;
  private finished = false;

  constructor(
    private readonly spec: AttemptSpec,
    private readonly session: ClientHttp2Session,
    private readonly connected: () => boolean,
    private readonly events: AttemptEvents,
  ) {}

  /** Opens the stream and sends the request. */
  start(): void {
    const { spec } = this;
    if (spec.perTryTimeoutMs !== undefined) this.timer = setTimeout(() => this.onPerTryTimeout(), spec.perTryTimeoutMs);
    let stream: ClientHttp2Stream;
    try {
      stream = this.session.request(h2Headers(spec));
    } catch {
      this.finish();
      this.events.onFailure(this.connected() ? 'reset' : 'connect-failure');
      return;
    }
    this.stream = stream;
    stream.on('response', (headers: IncomingHttpHeaders, flags: number) => {
      if (this.finished) return;
      this.responded = true;
      const trailerCbs: Array<(t: IncomingHttpHeaders) => void> = [];
      stream.on('trailers', (t: IncomingHttpHeaders) => {
        for (const cb of trailerCbs) cb(withoutPseudo(t));
      });
      stream.on('end', () => this.finish());
      this.events.onResponse({
        status: Number(headers[':status'] ?? 502),
        statusMessage: undefined,
        headers: withoutPseudo(headers),
        body: stream,
        endOfStream: (flags & NGHTTP2_FLAG_END_STREAM) !== 0,
        onTrailers: (cb) => trailerCbs.push(cb),
      });
    });
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (this.finished) return;
      if (this.responded) {
        if (stream.rstCode !== undefined && stream.rstCode !== 0) this.responseError('reset');
        return;
      }
      this.finish();
      const kind = !this.connected() ? 'connect-failure' : stream.rstCode === NGHTTP2_REFUSED_STREAM ? 'refused-stream' : 'reset';
      this.events.onFailure(kind);
    });
    spec.body.attach(stream, spec.primaryBody !== false);
  }

  /** Cancels the stream. */
  abort(): void {
    this.finish();
    if (this.stream && !this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
  }

  private onPerTryTimeout(): void {
    if (this.finished) return;
    if (this.responded) return this.responseError('per-try-timeout');
    this.abort();
    this.events.onFailure('per-try-timeout');
  }

  private responseError(kind: 'reset' | 'per-try-timeout'): void {
    if (this.finished) return;
    this.abort();
    this.events.onResponseError(kind);
  }

  private finish(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stream) this.spec.body.detach(this.stream);
  }
}
