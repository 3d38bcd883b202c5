import { AdminServer, Readiness } from './admin-server.js';
import { createProcessMetrics } from './metrics.js';
import { silentLogger } from './testing/silent-logger.js';

describe('AdminServer', () => {
  const readiness = new Readiness();
  const metrics = createProcessMetrics('test');
  const admin = new AdminServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, readiness });
  let synced = false;
  readiness.add('cache-synced', () => synced);

  beforeAll(async () => {
    await admin.start();
  });
  afterAll(async () => {
    await admin.stop();
    await metrics.shutdown();
  });

  it('is live regardless of readiness', async () => {
    const res = await fetch(`http://127.0.0.1:${admin.port}/healthz/live`);
    expect(res.status).toBe(200);
  });

  it('is not ready until every check holds, then ready, then not ready once draining', async () => {
    let res = await fetch(`http://127.0.0.1:${admin.port}/healthz/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { 'cache-synced': false } });
    synced = true;
    res = await fetch(`http://127.0.0.1:${admin.port}/healthz/ready`);
    expect(res.status).toBe(200);
    readiness.drain();
    res = await fetch(`http://127.0.0.1:${admin.port}/healthz/ready`);
    expect(res.status).toBe(503);
  });

  it('serves recorded metrics in Prometheus text format', async () => {
    metrics.meter.createCounter('test_things_total', { description: 'things' }).add(3, { kind: 'a' });
    const res = await fetch(`http://127.0.0.1:${admin.port}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/^test_things_total\{kind="a"\} 3/m);
  });
});
