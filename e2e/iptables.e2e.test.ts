import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { binPath, Supervisor } from '@mesh/local-mesh';
import type { Supervised } from '@mesh/local-mesh';
import { GalleyClient, parsePrometheus, runCli } from '@mesh/meshctl';
import { freePort, NatsServerProcess } from '@mesh/runtime';

/**
 * The init container's redirect, applied for real: a network namespace stands in for the pod
 * (veth to the host), the injected init container's own command and rules program it, the real
 * sidecar runs in it as UID 1337, and an unmodified client in it (plain node http, as root) talks to an
 * address on the host. Needs root and `ip netns`; leaves no namespace, link or rule behind.
 */
const IPTABLES_RESTORE = ['/usr/sbin/iptables-restore', '/sbin/iptables-restore'].find((p) => fs.existsSync(p));
const tag = String(process.pid % 100000);
const NS = `mesh-ipt-${tag}`;
const HOST_IF = `mip${tag}h`;
const POD_IF = `mip${tag}p`;
const octet = 100 + (process.pid % 150);
const HOST_IP = `10.213.${octet}.1`;
const POD_IP = `10.213.${octet}.2`;
/** The TCP service's address (a ServiceEntry VIP): routed nowhere; only the pod's redirect makes it work. */
const TCP_VIP = `10.213.${octet}.200`;
const TCP_PORT = 7000;
const TCP_CLUSTER = 'outbound|7000||tcp-echo.mesh.test';
/** The injector's defaults (Istio's): proxy UID, outbound, inbound and admin ports. */
const UID = 1337;
const PROXY = { outbound: 15001, inbound: 15006, admin: 15000 };
const RULES_ENV = 'MESH_IPTABLES_RULES';

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, timeout: 20_000, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}
const inNs = (args: string[], input?: string) => run('ip', ['netns', 'exec', NS, ...args], input);

/** Why this machine cannot run the test, or undefined when it can (a throw-away namespace is made and removed). */
function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (ip netns, iptables)';
  if (!IPTABLES_RESTORE) return 'iptables is not installed (.ci/run installs the Debian package iptables)';
  const probe = `mesh-ipt-probe-${tag}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { timeout: 10_000 });
  if (add.status !== 0) return `ip netns does not work here: ${add.stderr.toString().trim()}`;
  spawnSync('ip', ['netns', 'del', probe], { timeout: 10_000 });
  return undefined;
}
const reason = cannotRun();

/** A plain HTTP client (no proxy settings, nothing mesh-aware): GET the URL, print status, headers and body as JSON. */
const CLIENT = `const [url, host] = process.argv.slice(1); const u = new URL(url);
require('http').get({ host: u.hostname, port: u.port, path: u.pathname, headers: host ? { host } : {}, timeout: 10000 }, (res) => {
  let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, headers: res.headers, body })));
}).on('error', (e) => { process.stderr.write(e.message); process.exit(1); });`;

/** A plain TCP client: connect, send the text, half-close, print what came back. */
const TCP_CLIENT = `const [host, port, text] = process.argv.slice(1); let got = '';
const s = require('net').connect({ host, port: Number(port), allowHalfOpen: true }, () => s.end(text));
s.setTimeout(10000, () => s.destroy(new Error('timeout')));
s.on('data', (d) => (got += d)); s.on('end', () => process.stdout.write(got)); s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });`;

/** A TCP exchange by a separate client process in the pod; resolves with what the server sent back. */
function tcpFromPod(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', NS, process.execPath, '-e', TCP_CLIENT, host, String(port), text], { timeout: 20_000 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * An HTTP GET by a separate client process, from a namespace and user as given; status, header
 * names and body. Asynchronous: the servers this test answers from live in this very process.
 */
function httpGet(prefix: string[], url: string, host?: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    execFile(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', CLIENT, url, ...(host ? [host] : [])], { timeout: 20_000 }, (err, out) => {
      if (err) return reject(err);
      const r = JSON.parse(out) as { status: number; headers: Record<string, string>; body: string };
      resolve({ status: r.status, headers: Object.keys(r.headers).join('\n'), body: r.body });
    });
  });
}
const fromPod = ['ip', 'netns', 'exec', NS];
const fromPodAsProxy = ['ip', 'netns', 'exec', NS, 'setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups'];
const fromHost = ['env'];

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM, then SIGKILL after 8 s; resolves once the process has exited. */
async function stopProc(p: Supervised): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

/** Tears the namespace down; deleting it removes its veth pair (and the peer on the host) and its rules. */
function removeNamespace(): void {
  spawnSync('ip', ['netns', 'del', NS], { timeout: 10_000 });
  spawnSync('ip', ['link', 'del', HOST_IF], { timeout: 10_000 });
}

(reason ? describe.skip : describe)(`the init container's iptables redirect in a network namespace${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iptables-e2e-'));
  let nats: NatsServerProcess;
  let sup: Supervisor;
  let direct: http.Server;
  let echo: http.Server;
  let tcpEcho: net.Server;
  const tcpPeers: string[] = [];
  let galleyApi: GalleyClient;
  let directHits = 0;
  let directPort = 0;
  let podProcs: Supervised[] = [];
  let init: { command: string[]; env: Array<{ name: string; value: string }> };

  beforeAll(async () => {
    fs.chmodSync(dir, 0o777);
    // The pod: a namespace with a veth pair to the host.
    removeNamespace();
    run('ip', ['netns', 'add', NS]);
    run('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', POD_IF]);
    run('ip', ['link', 'set', POD_IF, 'netns', NS]);
    run('ip', ['addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF]);
    run('ip', ['link', 'set', HOST_IF, 'up']);
    inNs(['ip', 'addr', 'add', `${POD_IP}/30`, 'dev', POD_IF]);
    inNs(['ip', 'link', 'set', POD_IF, 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    // The pod's way out, as a pod has one: addresses beyond the link (the TCP service's VIP) are routable.
    inNs(['ip', 'route', 'add', 'default', 'via', HOST_IP]);

    // On the host: a server the client addresses directly, and the "echo" service behind its own sidecar.
    direct = http.createServer((_req, res) => {
      directHits++;
      res.end('direct');
    });
    await new Promise<void>((r) => direct.listen(0, HOST_IP, r));
    directPort = (direct.address() as AddressInfo).port;
    echo = http.createServer((req, res) => res.end(JSON.stringify({ service: 'echo', host: req.headers.host, requestId: req.headers['x-request-id'] ?? null })));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    // A TCP (non-HTTP) service on the host, known to the mesh only by a ServiceEntry with a VIP.
    tcpEcho = net.createServer({ allowHalfOpen: true }, (s) => {
      tcpPeers.push(s.remoteAddress ?? '');
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('end', () => s.end(`tcp-echo: ${got}`));
      s.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => tcpEcho.listen(0, HOST_IP, r));

    nats = await NatsServerProcess.start();
    sup = new Supervisor(path.join(dir, 'logs'));
    const ports = { galleyApi: await freePort(), galleyAdmin: await freePort(), xds: await freePort(), pilotAdmin: await freePort() };
    const galley = sup.start('galley', process.execPath, [binPath('galley')], { MESH_NATS_URL: nats.url, MESH_GALLEY_API_PORT: String(ports.galleyApi), MESH_ADMIN_PORT: String(ports.galleyAdmin), MESH_GALLEY_ANONYMOUS: 'true' });
    await sup.waitReady(galley, async () => (await fetch(`http://127.0.0.1:${ports.galleyAdmin}/healthz/ready`)).ok, 30_000);
    galleyApi = new GalleyClient(`http://127.0.0.1:${ports.galleyApi}`);
    await galleyApi.apply({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'ServiceEntry',
      metadata: { name: 'tcp-echo', namespace: 'default' },
      spec: {
        hosts: ['tcp-echo.mesh.test'],
        addresses: [TCP_VIP],
        ports: [{ number: TCP_PORT, name: 'tcp', protocol: 'TCP' }],
        location: 'MESH_EXTERNAL',
        resolution: 'STATIC',
        endpoints: [{ address: HOST_IP, ports: { tcp: (tcpEcho.address() as AddressInfo).port } }],
      },
    });
    const pilot = sup.start('pilot', process.execPath, [binPath('pilot')], { MESH_NATS_URL: nats.url, MESH_PILOT_XDS_PORT: String(ports.xds), MESH_ADMIN_PORT: String(ports.pilotAdmin) });
    await sup.waitReady(pilot, async () => (await fetch(`http://127.0.0.1:${ports.pilotAdmin}/healthz/ready`)).ok, 30_000);
    const echoSidecar = { inbound: await freePort(), outbound: await freePort(), admin: await freePort() };
    const b = sup.start('echo-sidecar', process.execPath, [binPath('sidecar')], {
      MESH_SIDECAR_PILOT_ADDRESS: `127.0.0.1:${ports.xds}`,
      MESH_SIDECAR_SERVICE: 'echo',
      MESH_SIDECAR_LABELS: 'app=echo',
      MESH_SIDECAR_WORKLOAD_NAME: 'echo-1',
      MESH_SIDECAR_INSTANCE_IP: HOST_IP,
      MESH_SIDECAR_APP_PORT: String((echo.address() as AddressInfo).port),
      MESH_SIDECAR_INBOUND_PORT: String(echoSidecar.inbound),
      MESH_SIDECAR_OUTBOUND_PORT: String(echoSidecar.outbound),
      MESH_ADMIN_PORT: String(echoSidecar.admin),
    });
    await sup.waitReady(b, async () => (await fetch(`http://127.0.0.1:${echoSidecar.admin}/ready`)).ok, 30_000);

    // The injector's init container, for a pod of the app we run in the namespace.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-a', namespace: 'default', labels: { app: 'app-a' } }, spec: { containers: [{ name: 'app', image: 'app', ports: [{ containerPort: 9080 }] }] } };
    let injected = '';
    const code = await runCli(['kube-inject', '-f', '-', '-o', 'json'], {}, { out: (t) => void (injected += t), err: () => undefined, stdin: () => JSON.stringify(pod) });
    expect(code).toBe(0);
    const items = (JSON.parse(injected) as { items: Array<{ spec: { initContainers: Array<typeof init & { name: string }> } }> }).items;
    init = items[0]!.spec.initContainers.find((c) => c.name === 'istio-init')!;

    // The app in the pod, before any rule: it listens on its port, as apps do.
    podProcs.push(sup.start('app-a', 'ip', ['netns', 'exec', NS, process.execPath, '-e', "require('http').createServer((q,s)=>s.end('app-a')).listen(9080,'0.0.0.0')"], {}));
    await waitFor('app-a', async () => (await httpGet(fromHost, `http://${POD_IP}:9080/`)).body === 'app-a');

    // Baseline without the redirect: the pod reaches the host server directly.
    expect(await httpGet(fromPod, `http://${HOST_IP}:${directPort}/`)).toMatchObject({ status: 200, body: 'direct' });
    expect(directHits).toBe(1);

    // The init container: its command, with its environment, in the pod's namespace.
    const env = Object.fromEntries(init.env.map((e) => [e.name, e.value]));
    execFileSync('ip', ['netns', 'exec', NS, ...init.command], { env: { ...process.env, ...env }, timeout: 20_000 });

    // The proxy, as the injector runs it: UID 1337, Istio's ports, Pilot on the host.
    podProcs.push(
      sup.start('app-a-sidecar', 'ip', ['netns', 'exec', NS, 'setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', process.execPath, binPath('sidecar')], {
        MESH_SIDECAR_PILOT_ADDRESS: `${HOST_IP}:${ports.xds}`,
        MESH_SIDECAR_LABELS: 'app=app-a',
        MESH_SIDECAR_WORKLOAD_NAME: 'app-a',
        MESH_SIDECAR_INSTANCE_IP: POD_IP,
        MESH_SIDECAR_APP_PORT: '9080',
        MESH_SIDECAR_OUTBOUND_PORT: String(PROXY.outbound),
        MESH_SIDECAR_INBOUND_PORT: String(PROXY.inbound),
        MESH_ADMIN_PORT: String(PROXY.admin),
        MESH_SIDECAR_ACCESS_LOG_PATH: path.join(dir, 'app-a-access.log'),
      }),
    );
    // Ready means it has its config from Pilot: its own connection to Pilot went out unredirected.
    await waitFor('the pod sidecar to be ready', async () => (await httpGet(fromPod, `http://127.0.0.1:${PROXY.admin}/ready`)).status === 200, 60_000);
    // ... and Pilot has the echo endpoint for it.
    await waitFor('the echo route', async () => (await httpGet(fromPod, `http://${HOST_IP}:80/`, 'echo')).body.includes('"service":"echo"'), 30_000);
  }, 180_000);

  afterAll(async () => {
    for (const p of podProcs) await stopProc(p);
    await sup?.stopAll();
    await nats?.stop();
    await new Promise((r) => direct?.close(r));
    await new Promise((r) => echo?.close(r));
    await new Promise((r) => tcpEcho?.close(r));
    removeNamespace();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const requests = async (direction: 'inbound' | 'outbound', cluster?: string): Promise<number> =>
    parsePrometheus((await httpGet(fromPod, `http://127.0.0.1:${PROXY.admin}/stats/prometheus`)).body, new Set(['mesh_sidecar_requests_total']))
      .filter((s) => s.labels['direction'] === direction && (cluster === undefined || s.labels['cluster'] === cluster))
      .reduce((n, s) => n + s.value, 0);
  /** The pod sidecar's access log entries (JSON lines) for a cluster. */
  const accessLog = (cluster: string): Array<Record<string, unknown>> =>
    fs
      .readFileSync(path.join(dir, 'app-a-access.log'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['upstream_cluster'] === cluster);

  it('the init container installs the rules the injector generated, in the pod namespace only', () => {
    const rules = init.env.find((e) => e.name === RULES_ENV)!.value;
    // iptables-save prints the implied `-m tcp` and its own order of matches; otherwise the same rules.
    const saved = inNs(['iptables-save', '-t', 'nat']).replace(/ -m tcp/g, '');
    for (const line of rules.split('\n').filter((l) => l.startsWith('-A') && !l.includes('-o lo'))) expect(saved).toContain(line);
    expect(saved).toContain(`-A MESH_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner ! --uid-owner ${UID} -j MESH_IN_REDIRECT`);
    expect(saved).toContain(`-A MESH_OUTPUT -m owner --uid-owner ${UID} -j RETURN`);
    expect(run('iptables-save', ['-t', 'nat'])).not.toContain('MESH_OUTPUT');
  });

  it("sends an unmodified client's outbound request through the sidecar: the port-80 listener routes it by Host to the echo service", async () => {
    const before = { direct: directHits, outbound: await requests('outbound') };
    // Nothing listens on the address dialled: the sidecar hands the connection to 0.0.0.0_80 by its original destination.
    const res = await httpGet(fromPod, `http://${HOST_IP}:80/api`, 'echo');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { service: string; requestId: string | null };
    expect(body.service).toBe('echo');
    expect(body.requestId).toEqual(expect.any(String)); // set by the sidecars
    expect(res.headers).toContain('x-envoy-upstream-service-time');
    expect(directHits).toBe(before.direct); // the address the client dialled never saw it
    expect(await requests('outbound')).toBe(before.outbound + 1);
  });

  it("lets the proxy's own UID out unredirected (-m owner --uid-owner)", async () => {
    const before = { direct: directHits, outbound: await requests('outbound') };
    expect(await httpGet(fromPodAsProxy, `http://${HOST_IP}:${directPort}/`)).toMatchObject({ status: 200, body: 'direct' });
    expect(directHits).toBe(before.direct + 1);
    expect(await requests('outbound')).toBe(before.outbound);
  });

  it('redirects inbound connections to the app port through the sidecar (15006) to the app', async () => {
    const before = await requests('inbound');
    const res = await httpGet(fromHost, `http://${POD_IP}:9080/`);
    expect(res).toMatchObject({ status: 200, body: 'app-a' });
    expect(res.headers).toContain('x-envoy-upstream-service-time');
    expect(await requests('inbound')).toBe(before + 1);
  });

  it('relays a TCP (non-HTTP) service dialled at its VIP through the sidecar: the <VIP>_7000 listener, tcp_proxy to its endpoint', async () => {
    const tcpEchoPort = (tcpEcho.address() as AddressInfo).port;
    const before = { stats: await requests('outbound', TCP_CLUSTER), peers: tcpPeers.length };
    expect(await tcpFromPod(TCP_VIP, TCP_PORT, 'ping')).toBe('tcp-echo: ping');
    // The VIP exists nowhere: only the sidecar, which read the original destination, could reach the endpoint.
    expect(tcpPeers.slice(before.peers)).toEqual([POD_IP]);
    await waitFor('the TCP connection in the sidecar stats', async () => (await requests('outbound', TCP_CLUSTER)) === before.stats + 1, 10_000);
    await waitFor('the TCP connection in the access log', () => accessLog(TCP_CLUSTER).some((e) => e['protocol'] === null && e['bytes_received'] === 4 && e['upstream_host'] === `${HOST_IP}:${tcpEchoPort}`), 10_000);
  });

  it('lets a connection to an address the mesh does not know out to that address under ALLOW_ANY (PassthroughCluster)', async () => {
    const before = { direct: directHits, passthrough: await requests('outbound', 'PassthroughCluster') };
    expect(await httpGet(fromPod, `http://${HOST_IP}:${directPort}/`)).toMatchObject({ status: 200, body: 'direct' });
    expect(directHits).toBe(before.direct + 1);
    await waitFor('the passthrough connection in the sidecar stats', async () => (await requests('outbound', 'PassthroughCluster')) === before.passthrough + 1, 10_000);
    expect(accessLog('PassthroughCluster').some((e) => e['upstream_host'] === `${HOST_IP}:${directPort}`)).toBe(true);
  });

  it('refuses it under REGISTRY_ONLY (BlackHoleCluster; unknown HTTP hosts get 502) while mesh services still work', async () => {
    await galleyApi.apply({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'Sidecar',
      metadata: { name: 'default', namespace: 'default' },
      spec: { egress: [{ hosts: ['*/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
    });
    const refused = async (): Promise<boolean> =>
      httpGet(fromPod, `http://${HOST_IP}:${directPort}/`).then(
        () => false,
        () => true,
      );
    await waitFor('REGISTRY_ONLY at the pod sidecar', refused, 30_000);
    const before = { direct: directHits, blackhole: await requests('outbound', 'BlackHoleCluster') };
    expect(await refused()).toBe(true);
    expect(directHits).toBe(before.direct);
    await waitFor('the refused connection in the sidecar stats', async () => (await requests('outbound', 'BlackHoleCluster')) === before.blackhole + 1, 10_000);
    expect(accessLog('BlackHoleCluster').at(-1)).toMatchObject({ response_flags: 'UH' });
    expect((await httpGet(fromPod, `http://${HOST_IP}:80/`, 'unknown.example')).status).toBe(502);
    expect(await tcpFromPod(TCP_VIP, TCP_PORT, 'still')).toBe('tcp-echo: still');
    expect((await httpGet(fromPod, `http://${HOST_IP}:80/`, 'echo')).body).toContain('"service":"echo"');
  });

  it('leaves nothing behind: the namespace, its veth pair and its rules go with it', async () => {
    for (const p of podProcs) await stopProc(p);
    podProcs = [];
    removeNamespace();
    expect(run('ip', ['netns', 'list'])).not.toContain(NS);
    expect(spawnSync('ip', ['link', 'show', HOST_IF]).status).not.toBe(0);
    expect(run('iptables-save', ['-t', 'nat'])).not.toContain('MESH_');
  });
});
