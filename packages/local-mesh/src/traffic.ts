import http from 'node:http';

/** What a burst of booking requests saw. */
export interface TrafficResult {
  sent: number;
  ok: number;
  failed: number;
  /** shipping-service version → number of bookings it quoted. */
  shippingVersions: Record<string, number>;
  /** HTTP status → count. */
  statuses: Record<string, number>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function getJson(url: URL, host: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host }, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', () => resolve({ status: 0, body: undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: undefined }));
    req.end();
  });
}

/**
 * Sends `count` booking requests (at most `concurrency` at a time) into booking-service's sidecar
 * and counts which shipping-service version answered each one.
 */
export async function sendBookings(opts: { inboundUrl: string; count: number; concurrency?: number; timeoutMs?: number }): Promise<TrafficResult> {
  const result: TrafficResult = { sent: 0, ok: 0, failed: 0, shippingVersions: {}, statuses: {} };
  const url = new URL('/api/v1/booking?item=widget', opts.inboundUrl);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      next++;
      const r = await getJson(url, 'booking-service', opts.timeoutMs ?? 5000);
      result.sent++;
      result.statuses[String(r.status)] = (result.statuses[String(r.status)] ?? 0) + 1;
      const version = (r.body as { shipping?: { version?: string } } | undefined)?.shipping?.version;
      if (r.status === 200 && version) {
        result.ok++;
        result.shippingVersions[version] = (result.shippingVersions[version] ?? 0) + 1;
      } else result.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  return result;
}

/** `v1 181 (90.5%)  v2 19 (9.5%)`. */
export function formatVersions(r: TrafficResult): string {
  const total = Object.values(r.shippingVersions).reduce((a, b) => a + b, 0);
  return (
    Object.entries(r.shippingVersions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([v, n]) => `${v} ${n} (${((100 * n) / Math.max(1, total)).toFixed(1)}%)`)
      .join('   ') || 'none'
  );
}

/** Adds two traffic results together. */
export function mergeTraffic(a: TrafficResult, b: TrafficResult): TrafficResult {
  const add = (x: Record<string, number>, y: Record<string, number>): Record<string, number> => {
    const outMap = { ...x };
    for (const [k, v] of Object.entries(y)) outMap[k] = (outMap[k] ?? 0) + v;
    return outMap;
  };
  return { sent: a.sent + b.sent, ok: a.ok + b.ok, failed: a.failed + b.failed, shippingVersions: add(a.shippingVersions, b.shippingVersions), statuses: add(a.statuses, b.statuses) };
}
