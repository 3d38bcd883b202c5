import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startTestCitadel } from '@mesh/citadel/testing';
import type { TestCitadel } from '@mesh/citadel/testing';
import type { RunningPilot } from '@mesh/pilot';
import { ConfigBucketWriter } from '@mesh/pilot/testing';
import { parseSettings } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { buildSidecarConfig, CERTIFICATE_FILES, CertificateAgent, CertificateFileWriter, Sidecar, sidecarSettingSpecs, xdsMtlsCredentials } from '@mesh/sidecar';
import { httpGet as get, startTestPilot, startTestWorkload, stopTestWorkload, waitFor } from './in-process-mesh.js';
import type { TestWorkload } from './in-process-mesh.js';

/**
 * Mutual TLS between sidecars, end to end on loopback: real Citadel (issuing every identity,
 * Pilot's included), real Pilot (PeerAuthentication → inbound mTLS chains; auto mTLS → client
 * ISTIO_MUTUAL), real sidecars with their certificate agents, real apps, and openssl.
 */

const logger = silentLogger();
const PILOT_SAN = 'spiffe://cluster.local/ns/mesh-system/sa/pilot';

type Workload = TestWorkload & { readonly agent: CertificateAgent };

/** `openssl s_client` sending one HTTP request; resolves with everything it printed. */
function sClient(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    // -quiet implies -ign_eof: s_client reads until the server closes (the request says `connection: close`).
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', ...args], { timeout: 15_000 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
    child.stdin?.end('GET / HTTP/1.1\r\nhost: httpbin\r\nconnection: close\r\n\r\n');
  });
}

describe('mutual TLS between sidecars (PeerAuthentication, auto mTLS, rotation) and Pilot on 15011', () => {
  let nats: NatsServerProcess;
  let citadel: TestCitadel;
  let pilot: RunningPilot;
  let writer: ConfigBucketWriter;
  let dir: string;
  const workloads: Workload[] = [];
  let strict: Workload;
  let permissive: Workload;
  let client: Workload;
  let pilotAgent: CertificateAgent | undefined;
  let pilotFiles: CertificateFileWriter | undefined;

  async function agentFor(namespace: string, serviceAccount: string, ttlSeconds = 3600): Promise<CertificateAgent> {
    const token = await citadel.issueToken(namespace, serviceAccount);
    return new CertificateAgent({ citadelAddress: citadel.address, rootCertPem: citadel.rootCertPem, token, trustDomain: 'cluster.local', namespace, serviceAccount, ttlSeconds, logger, retryInitialMs: 200 });
  }

  /** A sidecar with its agent (and app, when it serves a service); xDS over Pilot's mTLS port unless `plaintextXds`. */
  async function startWorkload(o: { service?: string; namespace: string; serviceAccount: string; ttlSeconds?: number; plaintextXds?: boolean }): Promise<Workload> {
    const agent = await agentFor(o.namespace, o.serviceAccount, o.ttlSeconds);
    const w = await startTestWorkload({
      pilotAddress: `localhost:${o.plaintextXds ? pilot.xdsPort : pilot.xdsTlsPort}`,
      namespace: o.namespace,
      serviceAccount: o.serviceAccount,
      service: o.service,
      agent,
      ...(o.plaintextXds ? {} : { xdsCredentials: xdsMtlsCredentials(agent, PILOT_SAN) }),
      logger,
    });
    const workload = { ...w, agent };
    workloads.push(workload);
    return workload;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-mtls-e2e-'));
    nats = await NatsServerProcess.start();
    citadel = await startTestCitadel({ logger });
    // Pilot's own identity from Citadel like a workload's: an agent (what `mesh-sidecar --mode agent
    // --cert-output-dir` runs) keeps it in the files Pilot reads, rotating it there.
    pilotAgent = await agentFor('mesh-system', 'pilot', 8);
    await pilotAgent.start();
    pilotFiles = new CertificateFileWriter(pilotAgent, path.join(dir, 'pilot-certs'), logger);
    pilotFiles.start();
    const files = { cert: path.join(dir, 'pilot-certs', CERTIFICATE_FILES.chain), key: path.join(dir, 'pilot-certs', CERTIFICATE_FILES.key), root: path.join(dir, 'root.crt') };
    fs.writeFileSync(files.root, citadel.rootCertPem);
    writer = await ConfigBucketWriter.connect(nats.url);
    await writer.put('PeerAuthentication', 'strict', 'default', { mtls: { mode: 'STRICT' } });
    await writer.put('PeerAuthentication', 'permissive', 'default', { mtls: { mode: 'PERMISSIVE' } });
    // Fresh upstream connections every few requests, so rotation is exercised by new handshakes too.
    await writer.put('DestinationRule', 'strict', 'httpbin', { host: 'httpbin.strict.svc.cluster.local', trafficPolicy: { connectionPool: { http: { maxRequestsPerConnection: 5 } } } });
    pilot = await startTestPilot(nats.url, logger, {
      MESH_PILOT_XDS_TLS_PORT: '0',
      MESH_PILOT_TLS_CERT_FILE: files.cert,
      MESH_PILOT_TLS_KEY_FILE: files.key,
      MESH_PILOT_TLS_ROOT_CERT_FILE: files.root,
      MESH_PILOT_TLS_REFRESH_MS: '500',
    });
    strict = await startWorkload({ service: 'httpbin', namespace: 'strict', serviceAccount: 'httpbin', ttlSeconds: 8 });
    permissive = await startWorkload({ service: 'httpbin', namespace: 'permissive', serviceAccount: 'httpbin', plaintextXds: true });
    client = await startWorkload({ namespace: 'default', serviceAccount: 'sleep', ttlSeconds: 8 });
    // The client's clusters carry auto mTLS once Pilot has seen both servers register.
    await waitFor('auto mTLS clusters at the client', () => {
      const c = client.sidecar.table.clusterModel('outbound|80||httpbin.strict.svc.cluster.local');
      return c?.transport?.matches !== undefined && (client.sidecar.table.endpointsOf('outbound|80||httpbin.strict.svc.cluster.local')?.length ?? 0) > 0;
    });
  }, 120_000);

  afterAll(async () => {
    for (const w of workloads.reverse()) await stopTestWorkload(w);
    await pilot?.stop();
    pilotFiles?.stop();
    await pilotAgent?.stop();
    await writer?.close();
    await citadel?.cleanup();
    await nats?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves xDS on the mTLS port with a Citadel certificate whose SAN the sidecar verifies, to sidecars whose certificate is the identity they claim', async () => {
    expect(pilot.xdsTlsPort).toBeGreaterThan(0);
    expect(client.sidecar.state.synced).toBe(true);
    // A sidecar expecting another identity for Pilot never gets config.
    const agent = await agentFor('default', 'suspicious');
    await agent.start();
    const parsed = parseSettings(sidecarSettingSpecs, [], { MESH_SIDECAR_PILOT_ADDRESS: `localhost:${pilot.xdsTlsPort}`, MESH_SIDECAR_OUTBOUND_PORT: '0', MESH_ADMIN_PORT: '0', MESH_DRAIN_MS: '100' });
    if (parsed.help) throw new Error('unexpected help');
    const wrong = new Sidecar({ config: buildSidecarConfig(parsed.settings), logger, identity: agent, xdsCredentials: xdsMtlsCredentials(agent, 'spiffe://cluster.local/ns/mesh-system/sa/not-pilot') });
    try {
      await wrong.start();
      await expect(wrong.whenSynced(3000)).rejects.toThrow(/not synced/);
    } finally {
      await wrong.stop();
      await agent.stop();
    }
    // A sidecar whose node metadata claims another identity than its certificate's is refused by Pilot.
    const impostorAgent = await agentFor('default', 'impostor');
    await impostorAgent.start();
    const claims = parseSettings(sidecarSettingSpecs, [], {
      MESH_SIDECAR_PILOT_ADDRESS: `localhost:${pilot.xdsTlsPort}`,
      MESH_SIDECAR_OUTBOUND_PORT: '0',
      MESH_ADMIN_PORT: '0',
      MESH_DRAIN_MS: '100',
      MESH_SIDECAR_NAMESPACE: 'strict',
      MESH_SIDECAR_SERVICE_ACCOUNT: 'httpbin',
    });
    if (claims.help) throw new Error('unexpected help');
    const impostor = new Sidecar({ config: buildSidecarConfig(claims.settings), logger, identity: impostorAgent, xdsCredentials: xdsMtlsCredentials(impostorAgent, PILOT_SAN) });
    try {
      await impostor.start();
      await expect(impostor.whenSynced(3000)).rejects.toThrow(/not synced/);
    } finally {
      await impostor.stop();
      await impostorAgent.stop();
    }
    // Plaintext on the mTLS port gets nothing either.
    const plain = await get(pilot.xdsTlsPort!, 'pilot');
    expect('error' in plain || plain.status !== 200).toBe(true);
  });

  it('serves the certificate the agent rotates into its files on the mTLS xDS port (Pilot certified by Citadel like a workload)', async () => {
    const caller = await agentFor('default', 'probe');
    const cert = await caller.start();
    await caller.stop();
    const servedSerial = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: pilot.xdsTlsPort!, ca: citadel.rootCertPem, cert: cert.certChainPem.join('\n'), key: cert.keyPem, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined }, () => {
          const serial = s.getPeerCertificate().serialNumber;
          s.destroy();
          resolve(serial.toUpperCase());
        });
        s.on('error', reject);
      });
    const first = await servedSerial();
    const rotations = pilotAgent!.state().rotations;
    await waitFor('a rotated Pilot certificate on the xDS port', async () => pilotAgent!.state().rotations > rotations && (await servedSerial()) === pilotAgent!.current()?.serial, 20_000);
    expect(await servedSerial()).not.toBe(first);
    expect(client.sidecar.state.synced).toBe(true);
  });

  it('refuses openssl s_client without a client certificate at a STRICT workload, and answers one with a mesh certificate', async () => {
    const port = strict.sidecar.ports.inbound;
    const before = strict.sidecar.stats.get('listener.virtualInbound.ssl.fail_verify_no_cert') + strict.sidecar.stats.get('listener.virtualInbound.ssl.connection_error');
    const rootFile = path.join(dir, 'root.crt');
    const anonymous = await sClient(port, ['-CAfile', rootFile]);
    expect(anonymous).toMatch(/verify return:1/);
    expect(anonymous).not.toMatch(/HTTP\/1\.1/);
    await waitFor('the refusal stat', () => strict.sidecar.stats.get('listener.virtualInbound.ssl.fail_verify_no_cert') + strict.sidecar.stats.get('listener.virtualInbound.ssl.connection_error') > before, 5000);

    const curl = await agentFor('default', 'curl');
    const cert = await curl.start();
    await curl.stop();
    fs.writeFileSync(path.join(dir, 'curl.crt'), cert.certChainPem.join('\n'));
    fs.writeFileSync(path.join(dir, 'curl.key'), cert.keyPem, { mode: 0o600 });
    const withCert = await sClient(port, ['-CAfile', rootFile, '-cert', path.join(dir, 'curl.crt'), '-key', path.join(dir, 'curl.key')]);
    expect(withCert).toMatch(/HTTP\/1\.1 200/);
    await waitFor('the inbound request record', () => strict.seen.some((i) => i.sourcePrincipal === 'cluster.local/ns/default/sa/curl'), 5000);
  });

  it('fails a plaintext request to a STRICT workload', async () => {
    const r = await get(strict.sidecar.ports.inbound, 'httpbin.strict.svc.cluster.local');
    expect(r).toEqual({ error: expect.stringMatching(/ECONNRESET|socket hang up|EPIPE/) });
  });

  it('sends mTLS from the client sidecar to a STRICT workload (auto mTLS), with the peer principal at the server', async () => {
    const r = await get(client.sidecar.ports.outbound, 'httpbin.strict.svc.cluster.local', '/auto');
    expect(r).toEqual({ status: 200 });
    await waitFor('the inbound record', () => strict.seen.some((i) => i.path === '/auto'), 5000);
    const inbound = strict.seen.find((i) => i.path === '/auto')!;
    expect(inbound.sourcePrincipal).toBe('cluster.local/ns/default/sa/sleep');
  });

  it('accepts plaintext and mTLS on the same port of a PERMISSIVE workload', async () => {
    const plain = await get(permissive.sidecar.ports.inbound, 'httpbin.permissive.svc.cluster.local', '/plain');
    expect(plain).toEqual({ status: 200 });
    const viaMesh = await get(client.sidecar.ports.outbound, 'httpbin.permissive.svc.cluster.local', '/mesh');
    expect(viaMesh).toEqual({ status: 200 });
    await waitFor('both inbound records', () => permissive.seen.some((i) => i.path === '/plain') && permissive.seen.some((i) => i.path === '/mesh'), 5000);
    expect(permissive.seen.find((i) => i.path === '/plain')!.sourcePrincipal).toBeUndefined();
    expect(permissive.seen.find((i) => i.path === '/mesh')!.sourcePrincipal).toBe('cluster.local/ns/default/sa/sleep');
  });

  it('refuses a server whose certificate is not the identity the DestinationRule expects', async () => {
    await writer.put('DestinationRule', 'permissive', 'httpbin', { host: 'httpbin.permissive.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: ['spiffe://cluster.local/ns/permissive/sa/someone-else'] } } });
    try {
      await waitFor('the DestinationRule at the client', () => {
        const t = client.sidecar.table.clusterModel('outbound|80||httpbin.permissive.svc.cluster.local')?.transport?.tls;
        return t?.matchSubjectAltNames?.length === 1;
      });
      const before = permissive.app!.requests.length;
      const r = await get(client.sidecar.ports.outbound, 'httpbin.permissive.svc.cluster.local', '/wrong-identity');
      expect(r).toEqual({ status: 503 });
      expect(permissive.app!.requests.length).toBe(before);
    } finally {
      await writer.delete('DestinationRule', 'permissive', 'httpbin');
    }
    await waitFor('the DestinationRule gone', () => client.sidecar.table.clusterModel('outbound|80||httpbin.permissive.svc.cluster.local')?.transport?.tls === undefined);
    expect(await get(client.sidecar.ports.outbound, 'httpbin.permissive.svc.cluster.local', '/right-identity')).toEqual({ status: 200 });
  });

  it('keeps every request through ≥ 3 certificate rotations of both sidecars under continuous traffic', async () => {
    const startRotations = { client: client.agent.state().rotations, server: strict.agent.state().rotations };
    const handshakesBefore = strict.sidecar.stats.get('listener.virtualInbound.ssl.handshake');
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const failures: string[] = [];
    let ok = 0;
    const deadline = Date.now() + 60_000;
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline && (client.agent.state().rotations - startRotations.client < 3 || strict.agent.state().rotations - startRotations.server < 3)) {
        const status = await new Promise<string>((resolve) => {
          const req = http.request({ host: '127.0.0.1', port: client.sidecar.ports.outbound, path: '/rotate', headers: { host: 'httpbin.strict.svc.cluster.local' }, agent: keepAlive }, (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode)));
          });
          req.on('error', (err) => resolve(err.message));
          req.end();
        });
        if (status === '200') ok++;
        else failures.push(status);
      }
    };
    const gaps = { client: 0, server: 0 };
    const watch = setInterval(() => {
      if (!client.agent.current()) gaps.client++;
      if (!strict.agent.current()) gaps.server++;
    }, 10);
    await Promise.all([worker(), worker(), worker()]);
    clearInterval(watch);
    keepAlive.destroy();
    expect(client.agent.state().rotations - startRotations.client).toBeGreaterThanOrEqual(3);
    expect(strict.agent.state().rotations - startRotations.server).toBeGreaterThanOrEqual(3);
    const failed = client.seen.filter((i) => i.path === '/rotate' && i.status !== 200).slice(0, 5);
    const stats = [...client.sidecar.stats.all(), ...strict.sidecar.stats.all()].filter(([k]) => /ssl|cx_connect|connect_fail|overflow/.test(k));
    expect({ failures, failed: failed.map((i) => ({ status: i.status, flags: i.responseFlags, t: i.startTime })), stats, gaps, states: [client.agent.state(), strict.agent.state()] }).toEqual({ failures: [], failed: [], stats: expect.anything(), gaps, states: expect.anything() });
    expect(ok).toBeGreaterThan(50);
    // New upstream connections kept being made (maxRequestsPerConnection 5) with the rotated certificates.
    expect(strict.sidecar.stats.get('listener.virtualInbound.ssl.handshake') - handshakesBefore).toBeGreaterThan(10);
  }, 90_000);
});
