import http from 'node:http';

/** Headers an app must copy from its inbound request to its outbound calls so traces join up. */
export const PROPAGATED_HEADERS = ['x-request-id', 'traceparent', 'tracestate', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'b3'];

/** The outcome of a call to another service through the sidecar. */
export interface CallResult {
  status: number;
  body: unknown;
}

/**
 * Calls `http://<service>/<path>` the way an unmodified app does in the mesh: the request goes to
 * the sidecar's outbound listener with the service name in the Host header; the sidecar routes it.
 */
export function callService(opts: {
  proxy: URL;
  service: string;
  path: string;
  inbound: http.IncomingHttpHeaders;
  timeoutMs: number;
}): Promise<CallResult> {
  const headers: Record<string, string> = { host: opts.service, accept: 'application/json' };
  for (const h of PROPAGATED_HEADERS) {
    const v = opts.inbound[h];
    if (typeof v === 'string') headers[h] = v;
  }
  return new Promise((resolve) => {
    const req = http.request(
      { host: opts.proxy.hostname, port: Number(opts.proxy.port || 80), path: opts.path, method: 'GET', headers, timeout: opts.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (a proxy error page): keep the text
          }
          resolve({ status: res.statusCode ?? 502, body });
        });
        res.on('error', () => resolve({ status: 502, body: 'response aborted' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 503, body: `call to ${opts.service} failed: ${err.message}` }));
    req.end();
  });
}
