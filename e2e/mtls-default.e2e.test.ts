import { startTestCitadel } from '@mesh/citadel/testing';
import type { TestCitadel } from '@mesh/citadel/testing';
import type { RunningPilot } from '@mesh/pilot';
import { ConfigBucketWriter } from '@mesh/pilot/testing';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { CertificateAgent } from '@mesh/sidecar';
import { httpGet as get, startTestPilot, startTestWorkload, stopTestWorkload, waitFor } from './in-process-mesh.js';
import type { TestWorkload as Workload } from './in-process-mesh.js';

/**
 * mTLS on by default (Istio 1.5+): with no PeerAuthentication or Policy at all, sidecars that hold
 * a Citadel certificate accept mTLS and plaintext (PERMISSIVE) and clients use mTLS towards them
 * (auto mTLS); a sidecar without a certificate stays plaintext and is not sent mTLS; a client
 * without a certificate falls back to plaintext. Real NATS, Citadel, Pilot, sidecars and apps.
 */

const logger = silentLogger();
const HTTPBIN = 'httpbin.open.svc.cluster.local';
const LEGACY = 'legacy.open.svc.cluster.local';

describe('mTLS by default (no policy: PERMISSIVE for certified sidecars, auto mTLS at clients)', () => {
  let nats: NatsServerProcess;
  let citadel: TestCitadel;
  let pilot: RunningPilot;
  let writer: ConfigBucketWriter;
  const workloads: Workload[] = [];
  let httpbin: Workload;
  let legacy: Workload;
  let sleep: Workload;
  let uncertified: Workload;

  async function startWorkload(o: { service?: string; serviceAccount: string; namespace: string; certificate: boolean }): Promise<Workload> {
    const agent = o.certificate
      ? new CertificateAgent({ citadelAddress: citadel.address, rootCertPem: citadel.rootCertPem, token: await citadel.issueToken(o.namespace, o.serviceAccount), trustDomain: 'cluster.local', namespace: o.namespace, serviceAccount: o.serviceAccount, ttlSeconds: 3600, logger, retryInitialMs: 200 })
      : undefined;
    const w = await startTestWorkload({ pilotAddress: `127.0.0.1:${pilot.xdsPort}`, namespace: o.namespace, serviceAccount: o.serviceAccount, service: o.service, agent, logger });
    workloads.push(w);
    return w;
  }

  const endpointTlsModes = (w: Workload, host: string): Array<string | null> =>
    (w.sidecar.table.endpointsOf(`outbound|80||${host}`) ?? []).map((ep) => ep.transportMatch?.['tlsMode'] ?? null);

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    citadel = await startTestCitadel({ logger });
    writer = await ConfigBucketWriter.connect(nats.url);
    // Pilot with its defaults (auto mTLS on) and no security policy anywhere.
    pilot = await startTestPilot(nats.url, logger);
    httpbin = await startWorkload({ service: 'httpbin', serviceAccount: 'httpbin', namespace: 'open', certificate: true });
    legacy = await startWorkload({ service: 'legacy', serviceAccount: 'legacy', namespace: 'open', certificate: false });
    sleep = await startWorkload({ serviceAccount: 'sleep', namespace: 'default', certificate: true });
    uncertified = await startWorkload({ serviceAccount: 'nocert', namespace: 'default', certificate: false });
    await waitFor('both services at the clients', () => [sleep, uncertified].every((c) => endpointTlsModes(c, HTTPBIN).length === 1 && endpointTlsModes(c, LEGACY).length === 1));
  }, 120_000);

  afterAll(async () => {
    for (const w of workloads.reverse()) await stopTestWorkload(w);
    await pilot?.stop();
    await writer?.close();
    await citadel?.cleanup();
    await nats?.stop();
  });

  it('advertises only the sidecar that holds a certificate as mTLS-capable', () => {
    expect(endpointTlsModes(sleep, HTTPBIN)).toEqual(['istio']);
    expect(endpointTlsModes(sleep, LEGACY)).toEqual([null]);
  });

  it('runs mTLS between certified sidecars with no policy: the server sees the client SPIFFE principal', async () => {
    const handshakes = httpbin.sidecar.stats.get('listener.virtualInbound.ssl.handshake');
    expect(await get(sleep.sidecar.ports.outbound, HTTPBIN, '/default-mtls')).toEqual({ status: 200 });
    await waitFor('the inbound record', () => httpbin.seen.some((i) => i.path === '/default-mtls'), 5000);
    expect(httpbin.seen.find((i) => i.path === '/default-mtls')!.sourcePrincipal).toBe('cluster.local/ns/default/sa/sleep');
    expect(httpbin.sidecar.stats.get('listener.virtualInbound.ssl.handshake')).toBeGreaterThan(handshakes);
  });

  it('still accepts plaintext at a certified sidecar by default (PERMISSIVE), without a principal', async () => {
    expect(await get(httpbin.sidecar.ports.inbound, HTTPBIN, '/default-plain')).toEqual({ status: 200 });
    await waitFor('the inbound record', () => httpbin.seen.some((i) => i.path === '/default-plain'), 5000);
    expect(httpbin.seen.find((i) => i.path === '/default-plain')!.sourcePrincipal).toBeUndefined();
  });

  it('speaks plaintext to a sidecar without a certificate', async () => {
    expect(await get(sleep.sidecar.ports.outbound, LEGACY, '/to-legacy')).toEqual({ status: 200 });
    await waitFor('the inbound record', () => legacy.seen.some((i) => i.path === '/to-legacy'), 5000);
    expect(legacy.seen.find((i) => i.path === '/to-legacy')!.sourcePrincipal).toBeUndefined();
    expect(legacy.sidecar.stats.get('listener.virtualInbound.ssl.handshake')).toBe(0);
  });

  it('lets a client without a certificate reach a PERMISSIVE sidecar in plaintext', async () => {
    expect(await get(uncertified.sidecar.ports.outbound, HTTPBIN, '/from-uncertified')).toEqual({ status: 200 });
    await waitFor('the inbound record', () => httpbin.seen.some((i) => i.path === '/from-uncertified'), 5000);
    expect(httpbin.seen.find((i) => i.path === '/from-uncertified')!.sourcePrincipal).toBeUndefined();
  });

  it('follows a workload STRICT policy: mTLS clients still pass, plaintext and uncertified clients are refused', async () => {
    await writer.put('PeerAuthentication', 'open', 'httpbin-strict', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'STRICT' } });
    try {
      await waitFor('the STRICT inbound listener', async () => 'error' in (await get(httpbin.sidecar.ports.inbound, HTTPBIN, '/probe')));
      expect(await get(sleep.sidecar.ports.outbound, HTTPBIN, '/strict-mtls')).toEqual({ status: 200 });
      expect(httpbin.seen.find((i) => i.path === '/strict-mtls')?.sourcePrincipal).toBe('cluster.local/ns/default/sa/sleep');
      expect(await get(uncertified.sidecar.ports.outbound, HTTPBIN, '/strict-uncertified')).toEqual({ status: 503 });
    } finally {
      await writer.delete('PeerAuthentication', 'open', 'httpbin-strict');
    }
    await waitFor('PERMISSIVE again', async () => 'status' in (await get(httpbin.sidecar.ports.inbound, HTTPBIN, '/probe')));
  });

  it('follows a workload DISABLE policy: clients switch that endpoint to plaintext', async () => {
    await writer.put('PeerAuthentication', 'open', 'httpbin-disable', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'DISABLE' } });
    try {
      await waitFor('the endpoint advertised plaintext', () => endpointTlsModes(sleep, HTTPBIN)[0] === null);
      const handshakes = httpbin.sidecar.stats.get('listener.virtualInbound.ssl.handshake');
      expect(await get(sleep.sidecar.ports.outbound, HTTPBIN, '/disabled')).toEqual({ status: 200 });
      expect(httpbin.seen.find((i) => i.path === '/disabled')?.sourcePrincipal).toBeUndefined();
      expect(httpbin.sidecar.stats.get('listener.virtualInbound.ssl.handshake')).toBe(handshakes);
    } finally {
      await writer.delete('PeerAuthentication', 'open', 'httpbin-disable');
    }
    await waitFor('the endpoint advertised mTLS again', () => endpointTlsModes(sleep, HTTPBIN)[0] === 'istio');
  });
});
