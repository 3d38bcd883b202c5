import net from 'node:net';
import { freePort } from '@mesh/runtime/testing';
import { INBOUND_LISTENER } from '@mesh/shared-api';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import { inboundCluster, rawListener, tcpProxyFilter } from '../../testing/xds-fixtures.js';

const IN = 'inbound|5432||db.default.svc.cluster.local';

/** Sends `text`, half-closes, and resolves with everything received until the server closes. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => s.end(text));
    let data = '';
    s.on('data', (c: Buffer) => (data += c.toString()));
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}

describe('TCP proxy (envoy.filters.network.tcp_proxy) on the inbound listener', () => {
  const h = new SidecarHarness();
  let app: net.Server;

  async function inbound(appPort: number, extra: Record<string, unknown> = {}) {
    await h.apply({ clusters: [inboundCluster(IN, appPort)], listeners: [rawListener(INBOUND_LISTENER, 15006, [{ filters: [tcpProxyFilter(IN, extra)] }])] });
  }

  beforeAll(async () => {
    app = net.createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.on('data', (c: Buffer) => (got += c.toString()));
      s.on('end', () => s.end(`app got: ${got}`));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    await h.start({ clusters: [inboundCluster(IN, (app.address() as net.AddressInfo).port)], endpoints: [], listeners: [rawListener(INBOUND_LISTENER, 15006, [{ filters: [tcpProxyFilter(IN)] }])], routes: [] });
  });
  afterAll(async () => {
    await h.stop();
    app.close();
  });

  it('relays a TCP connection to the workload, half-close included', async () => {
    expect(await exchange(h.sidecar.ports.inbound, 'SELECT 1')).toBe('app got: SELECT 1');
    await h.until(() => h.seen.some((i) => i.protocol === 'tcp' && i.direction === 'inbound' && i.cluster === IN && i.requestBytes === 8));
  });

  it('closes the connection with flag UF when the workload cannot be reached', async () => {
    await inbound(await freePort(), { max_connect_attempts: { value: 2 } });
    expect(await exchange(h.sidecar.ports.inbound, 'x')).toBe('');
    await h.until(() => h.seen.some((i) => i.protocol === 'tcp' && i.responseFlags.includes('UF')));
    expect(h.stat(`tcp.${IN}.upstream_cx_connect_fail`)).toBe(2);
  });

  it('closes an idle connection after idle_timeout', async () => {
    const idle = net.createServer(() => undefined);
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', () => r()));
    await inbound((idle.address() as net.AddressInfo).port, { idle_timeout: { nanos: 200_000_000 } });
    const t0 = Date.now();
    await new Promise<void>((resolve) => net.connect({ host: '127.0.0.1', port: h.sidecar.ports.inbound }).on('close', () => resolve()).on('error', () => undefined));
    expect(Date.now() - t0).toBeLessThan(2000);
    idle.close();
  });
});
