import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { RequestInfo } from './observer.js';

/**
 * Access logs as JSON lines (Istio's JSON access log encoding, Envoy's field names,
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage):
 * one line per request or TCP connection, to `/dev/stdout`, `/dev/stderr` or a file, appended
 * without blocking the request.
 */
export class AccessLogWriter {
  private readonly sinks = new Map<string, Writable>();

  constructor(
    private readonly always: readonly string[],
    private readonly onError: (path: string, err: Error) => void = () => undefined,
  ) {}

  /** True when some path would receive lines (the configured ones or a connection manager's). */
  enabled(extra: readonly string[] | undefined): boolean {
    return this.always.length > 0 || (extra?.length ?? 0) > 0;
  }

  /** Writes the request to the configured paths and to `extra` (a connection manager's `access_log`). */
  write(info: RequestInfo, extra: readonly string[] = []): void {
    const paths = extra.length === 0 ? this.always : [...new Set([...this.always, ...extra])];
    if (paths.length === 0) return;
    const line = `${JSON.stringify(accessLogEntry(info))}\n`;
    for (const p of paths) this.sink(p).write(line);
  }

  /** Closes file sinks (stdout and stderr stay open). */
  async close(): Promise<void> {
    const files = [...this.sinks.entries()].filter(([p]) => p !== '/dev/stdout' && p !== '/dev/stderr');
    this.sinks.clear();
    await Promise.all(files.map(([, s]) => new Promise<void>((r) => s.end(() => r()))));
  }

  private sink(path: string): Writable {
    let s = this.sinks.get(path);
    if (!s) {
      s = path === '/dev/stdout' ? process.stdout : path === '/dev/stderr' ? process.stderr : fs.createWriteStream(path, { flags: 'a' });
      s.on('error', (err: Error) => this.onError(path, err));
      this.sinks.set(path, s);
    }
    return s;
  }
}

/** One access log record. */
export function accessLogEntry(info: RequestInfo): Record<string, unknown> {
  return {
    start_time: info.startTime.toISOString(),
    direction: info.direction,
    method: info.method || null,
    path: info.path || null,
    protocol: info.httpProtocol ?? (info.protocol === 'tcp' ? null : 'HTTP/1.1'),
    response_code: info.status,
    response_flags: info.responseFlags.length > 0 ? info.responseFlags.join(',') : '-',
    bytes_received: info.requestBytes,
    bytes_sent: info.responseBytes,
    duration: info.durationMs,
    authority: info.host || null,
    user_agent: info.userAgent ?? null,
    request_id: info.requestId || null,
    upstream_host: info.upstreamHost ?? null,
    upstream_cluster: info.cluster ?? null,
    downstream_remote_address: info.downstreamRemoteAddress ?? null,
    // Envoy's %DOWNSTREAM_PEER_URI_SAN%: the caller's SPIFFE identity when it came over mTLS.
    downstream_peer_uri_san: info.sourcePrincipal ? `spiffe://${info.sourcePrincipal}` : null,
    trace_id: info.traceId ?? null,
  };
}
