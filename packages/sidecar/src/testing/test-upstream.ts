import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a test upstream received. */
export interface ReceivedHttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The client port of the connection it came on (tells connections apart). */
  readonly remotePort: number;
}

/** What a test upstream answers: JSON `{ server, method, url, headers, body }` unless told otherwise. */
export interface TestUpstream {
  readonly name: string;
  readonly port: number;
  readonly requests: ReceivedHttpRequest[];
  /** Requests being served right now, and the most at once so far. */
  readonly inFlight: { now: number; max: number };
  close(): Promise<void>;
}

/**
 * An HTTP upstream on 127.0.0.1 (port 0) for sidecar tests, scripted by request headers:
 * `x-status` (reply status), `x-delay-ms` (wait before answering), `x-fail-first: N` with
 * `x-test-key` (the first N requests with that key fail: by `x-fail-status` (503), or by
 * `x-fail-mode: reset` (close the connection), `slow` (answer after `x-fail-delay-ms`) or `grpc`
 * (a 200 carrying `grpc-status: x-fail-grpc`)), `x-reset: 1` (always reset).
 * `mode: 'fail'` makes every request answer 503; `delayMs` delays every answer.
 */
export async function startTestUpstream(name: string, opts: { mode?: 'ok' | 'fail'; status?: number; delayMs?: number } = {}): Promise<TestUpstream> {
  const requests: ReceivedHttpRequest[] = [];
  const counts = new Map<string, number>();
  const inFlight = { now: 0, max: 0 };
  const server = http.createServer((req, res) => {
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    res.on('close', () => inFlight.now--);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, remotePort: req.socket.remotePort ?? 0 });
      const h = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
      const key = h('x-test-key');
      let status = Number(h('x-status') ?? opts.status ?? (opts.mode === 'fail' ? 503 : 200));
      let reset = h('x-reset') === '1';
      let delay = Number(h('x-delay-ms') ?? opts.delayMs ?? 0);
      const extra: Record<string, string> = {};
      if (key !== undefined && h('x-fail-first') !== undefined) {
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        if (n <= Number(h('x-fail-first'))) {
          const mode = h('x-fail-mode');
          if (mode === 'reset') reset = true;
          else if (mode === 'slow') delay = Number(h('x-fail-delay-ms') ?? 1000);
          else if (mode === 'grpc') extra['grpc-status'] = h('x-fail-grpc') ?? '14';
          else status = Number(h('x-fail-status') ?? 503);
        }
      }
      if (!Number.isInteger(status) || status < 200 || status > 599) status = 200;
      const reply = () => {
        if (res.destroyed) return;
        if (reset) {
          req.socket.destroy();
          return;
        }
        const payload = JSON.stringify({ server: name, method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name, ...extra });
        res.end(payload);
      };
      if (delay > 0) setTimeout(reply, delay);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    requests,
    inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A reply as a test sees it. */
export interface TestReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The JSON body of a test upstream, when it answered. */
  readonly echo?: { server: string; method: string; url: string; headers: Record<string, string>; body: string };
}

/** One HTTP/1.1 request on its own connection (`path` may be absolute-form). */
export function sendRequest(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {}): Promise<TestReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          let echo: TestReply['echo'];
          if (res.headers['content-type'] === 'application/json') {
            try {
              echo = JSON.parse(body) as TestReply['echo'];
            } catch {
              echo = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo ? { echo } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
