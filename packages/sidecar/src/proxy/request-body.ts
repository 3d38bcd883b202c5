import type { Readable, Writable } from 'node:stream';

/** Envoy's default per-connection buffer limit: a body larger than this is not replayed for retries. */
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

interface Sink {
  readonly stream: Writable;
  readonly primary: boolean;
}

/**
 * The downstream request body, fanned out to the upstream attempt (primary, with backpressure) and
 * to mirrors (best effort: a mirror that cannot keep up is dropped, never slowing the primary).
 * When retries are possible it keeps the body (up to a limit) so a retry can send it again; past
 * the limit the body is no longer replayable and retries are abandoned, as in Envoy.
 */
export class RequestBody {
  private readonly chunks: Buffer[] = [];
  private readonly sinks = new Set<Sink>();
  private bytes = 0;
  private ended: boolean;
  private keeping: boolean;
  private started = false;
  private paused = false;

  constructor(
    private readonly req: Readable,
    hasBody: boolean,
    keep: boolean,
    private readonly limit = DEFAULT_BUFFER_LIMIT,
  ) {
    this.ended = !hasBody;
    this.keeping = keep;
  }

  /** Body bytes received so far. */
  get size(): number {
    return this.bytes;
  }

  /** True when the whole body can be sent again (it was kept and stayed under the limit). */
  get replayable(): boolean {
    return this.keeping || (this.ended && this.bytes === 0);
  }

  /** True once the downstream finished sending the body. */
  get complete(): boolean {
    return this.ended;
  }

  /** Starts reading the downstream body (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.ended) {
      this.req.resume();
      return;
    }
    this.req.on('data', (chunk: Buffer) => this.onData(chunk));
    this.req.on('end', () => {
      this.ended = true;
      for (const s of this.sinks) s.stream.end();
      this.sinks.clear();
    });
  }

  /**
   * Sends the body (what was kept, then the rest as it arrives) to a sink; ends it when the body
   * ends. Reading starts with the first primary sink, so mirrors attached before it miss nothing;
   * {@link start} alone reads the body when no attempt will take it (a local reply).
   */
  attach(stream: Writable, primary: boolean): void {
    if (primary) this.start();
    if (this.keeping) for (const c of this.chunks) stream.write(c);
    if (this.ended) {
      stream.end();
      return;
    }
    const sink = { stream, primary };
    this.sinks.add(sink);
    if (primary) stream.on('drain', () => this.resumeIfClear());
    stream.once('close', () => this.detach(stream));
  }

  /** Stops sending to a sink (a failed attempt, a dropped mirror). */
  detach(stream: Writable): void {
    for (const s of this.sinks) if (s.stream === stream) this.sinks.delete(s);
    this.resumeIfClear();
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.keeping) {
      if (this.bytes > this.limit) {
        this.keeping = false;
        this.chunks.length = 0;
      } else this.chunks.push(chunk);
    }
    for (const s of this.sinks) {
      const ok = s.stream.write(chunk);
      if (s.primary) {
        if (!ok) this.pause();
      } else if (s.stream.writableLength > this.limit) {
        // A mirror that cannot keep up is abandoned rather than allowed to slow the primary.
        this.sinks.delete(s);
        s.stream.destroy();
      }
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.req.pause();
  }

  private resumeIfClear(): void {
    if (!this.paused) return;
    for (const s of this.sinks) if (s.primary && s.stream.writableNeedDrain) return;
    this.paused = false;
    this.req.resume();
  }
}
