import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isPortOpen, NatsServerProcess } from '@mesh/runtime';
import { binPath } from './bins.js';
import type { MeshPlan, WorkloadPlan } from './plan.js';
import { plannedPorts } from './plan.js';
import type { Supervised } from './supervisor.js';
import { Supervisor } from './supervisor.js';

/** Options of a local mesh. */
export interface LocalMeshOptions {
  plan: MeshPlan;
  /** Holds logs, Citadel's state, tokens. */
  runDir: string;
  /** Use this NATS; when unset, use 127.0.0.1:4222 if reachable, else start nats-server. */
  natsUrl?: string;
  /** Always start a private nats-server (tests). */
  privateNats?: boolean;
  /** Progress lines for a person (the demo prints them; tests may ignore them). */
  progress?: (line: string) => void;
  /** Extra environment per component, e.g. `{ sidecar: { MESH_LOG_LEVEL: 'debug' } }`. */
  extraEnv?: Partial<Record<'galley' | 'pilot' | 'citadel' | 'mixer' | 'sidecar' | 'app', Record<string, string>>>;
  readyTimeoutMs?: number;
}

const NAMESPACE = 'default';
/** Where Pilot's identity lives (the sidecars' default expected Pilot SAN). */
const PILOT_NAMESPACE = 'mesh-system';

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.body?.cancel();
  return res.ok;
}

/**
 * The whole mesh as local processes: NATS, Citadel, Galley, Pilot, Mixer, and the sample app with
 * one sidecar per workload. Used by the demo (`mesh-local up`) and by the e2e tests.
 */
export class LocalMesh {
  private readonly supervisor: Supervisor;
  private nats: NatsServerProcess | undefined;
  natsUrl = '';
  private readonly progress: (line: string) => void;

  constructor(private readonly opts: LocalMeshOptions) {
    this.supervisor = new Supervisor(path.join(opts.runDir, 'logs'));
    this.progress = opts.progress ?? (() => undefined);
  }

  get plan(): MeshPlan {
    return this.opts.plan;
  }

  /** Every process started (for status output and leak checks). */
  get processes(): ReadonlyArray<Pick<Supervised, 'name' | 'pid' | 'logFile'>> {
    const own = this.supervisor.processes.map(({ name, pid, logFile }) => ({ name, pid, logFile }));
    return this.nats?.pid ? [{ name: 'nats-server', pid: this.nats.pid, logFile: '' }, ...own] : own;
  }

  get galleyUrl(): string {
    return `http://127.0.0.1:${this.plan.galley.apiPort}`;
  }

  get pilotAdminUrl(): string {
    return `http://127.0.0.1:${this.plan.pilot.adminPort}`;
  }

  get mixerAdminUrl(): string {
    return `http://127.0.0.1:${this.plan.mixer.adminPort}`;
  }

  /** The workload plan by process name (`shipping-v2`). */
  workload(name: string): WorkloadPlan {
    const w = this.plan.workloads.find((x) => x.name === name);
    if (!w) throw new Error(`no workload ${name}`);
    return w;
  }

  /** Starts everything in dependency order; on any failure stops what it started and throws. */
  async start(): Promise<void> {
    try {
      await this.checkPortsFree();
      await this.startNats();
      await this.startControlPlane();
      for (const w of this.plan.workloads) await this.startWorkload(w);
      const timeout = this.opts.readyTimeoutMs ?? 30000;
      await Promise.all(
        this.plan.workloads.map((w) =>
          this.supervisor.waitReady(this.proc(`${w.name}-sidecar`), () => httpOk(`http://127.0.0.1:${w.adminPort}/ready`), timeout),
        ),
      );
      this.progress('  ✓ every sidecar has its first config from Pilot');
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private proc(name: string): Supervised {
    const p = this.supervisor.processes.find((x) => x.name === name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  private async checkPortsFree(): Promise<void> {
    const taken: string[] = [];
    for (const [port, use] of plannedPorts(this.plan)) if (await isPortOpen('127.0.0.1', port, 300)) taken.push(`${port} (${use})`);
    if (taken.length > 0) throw new Error(`ports already in use: ${taken.join(', ')}; is another mesh running? Stop it, or free these ports.`);
  }

  private async startNats(): Promise<void> {
    if (this.opts.natsUrl && !this.opts.privateNats) {
      this.natsUrl = this.opts.natsUrl;
      this.progress(`  ✓ nats        ${this.natsUrl} (given)`);
      return;
    }
    if (!this.opts.privateNats && (await isPortOpen('127.0.0.1', 4222, 500))) {
      this.natsUrl = 'nats://127.0.0.1:4222';
      this.progress(`  ✓ nats        ${this.natsUrl} (already running)`);
      return;
    }
    this.nats = await NatsServerProcess.start({ storeDir: path.join(this.opts.runDir, `nats-${process.pid}`) });
    this.natsUrl = this.nats.url;
    this.progress(`  ✓ nats        ${this.natsUrl} (started nats-server, pid ${this.nats.pid})`);
  }

  private env(component: keyof NonNullable<LocalMeshOptions['extraEnv']>, env: Record<string, string>): Record<string, string> {
    return { MESH_LOG_LEVEL: 'info', ...env, ...(this.opts.extraEnv?.[component] ?? {}) };
  }

  private async startService(name: 'citadel' | 'galley' | 'pilot' | 'mixer', adminPort: number, env: Record<string, string>, detail: string): Promise<void> {
    const p = this.supervisor.start(name, process.execPath, [binPath(name)], this.env(name, { MESH_ADMIN_PORT: String(adminPort), ...env }));
    await this.supervisor.waitReady(p, () => httpOk(`http://127.0.0.1:${adminPort}/healthz/ready`), this.opts.readyTimeoutMs ?? 30000);
    this.progress(`  ✓ ${name.padEnd(11)} ${detail}  (admin :${adminPort}, pid ${p.pid})`);
  }

  private async startControlPlane(): Promise<void> {
    const plan = this.plan;
    const citadelDir = path.join(this.opts.runDir, 'citadel');
    fs.mkdirSync(citadelDir, { recursive: true, mode: 0o700 });
    const adminTokenFile = path.join(this.opts.runDir, 'citadel-admin.token');
    if (!fs.existsSync(adminTokenFile)) fs.writeFileSync(adminTokenFile, crypto.randomBytes(24).toString('base64url'), { mode: 0o600 });
    await this.startService(
      'citadel',
      plan.citadel.adminPort,
      {
        MESH_CITADEL_GRPC_PORT: String(plan.citadel.grpcPort),
        MESH_CITADEL_STATE_DIR: citadelDir,
        MESH_CITADEL_ADMIN_TOKEN_FILE: adminTokenFile,
        MESH_NATS_URL: this.natsUrl,
      },
      `grpc+tls 127.0.0.1:${plan.citadel.grpcPort}`,
    );
    await this.startService(
      'galley',
      plan.galley.adminPort,
      { MESH_GALLEY_API_PORT: String(plan.galley.apiPort), MESH_GALLEY_ANONYMOUS: 'true', MESH_NATS_URL: this.natsUrl },
      `api ${this.galleyUrl}`,
    );
    const certs = await this.startPilotAgent();
    await this.startService(
      'pilot',
      plan.pilot.adminPort,
      {
        MESH_PILOT_XDS_PORT: String(plan.pilot.xdsPort),
        MESH_PILOT_XDS_TLS_PORT: String(plan.pilot.xdsTlsPort),
        MESH_PILOT_TLS_CERT_FILE: path.join(certs, 'cert-chain.pem'),
        MESH_PILOT_TLS_KEY_FILE: path.join(certs, 'key.pem'),
        MESH_PILOT_TLS_ROOT_CERT_FILE: path.join(certs, 'root-cert.pem'),
        MESH_NATS_URL: this.natsUrl,
      },
      `xds 127.0.0.1:${plan.pilot.xdsPort}, mTLS :${plan.pilot.xdsTlsPort}`,
    );
    await this.startService('mixer', plan.mixer.adminPort, { MESH_MIXER_GRPC_PORT: String(plan.mixer.grpcPort), MESH_MIXER_ADAPTER_METRICS_PORT: String(plan.mixer.adapterMetricsPort), MESH_NATS_URL: this.natsUrl }, `grpc 127.0.0.1:${plan.mixer.grpcPort}`);
  }

  /**
   * Pilot's identity from Citadel like a workload's (Istio 1.4's pilot-agent): the sidecar binary in
   * agent mode keeps `spiffe://cluster.local/ns/mesh-system/sa/pilot` in files Pilot's mTLS xDS port
   * reads (and re-reads after each rotation). Resolves with the directory once the files exist.
   */
  private async startPilotAgent(): Promise<string> {
    const dir = path.join(this.opts.runDir, 'pilot-certs');
    fs.rmSync(dir, { recursive: true, force: true });
    const tokenFile = await this.bootstrapToken({ name: 'pilot-agent', serviceAccount: 'pilot' }, PILOT_NAMESPACE);
    const agent = this.supervisor.start(
      'pilot-agent',
      process.execPath,
      [binPath('sidecar')],
      this.env('sidecar', {
        MESH_SIDECAR_MODE: 'agent',
        MESH_SIDECAR_CERT_OUTPUT_DIR: dir,
        MESH_SIDECAR_NAMESPACE: PILOT_NAMESPACE,
        MESH_SIDECAR_SERVICE_ACCOUNT: 'pilot',
        MESH_SIDECAR_CITADEL_ADDRESS: `127.0.0.1:${this.plan.citadel.grpcPort}`,
        MESH_SIDECAR_CITADEL_ROOT_CERT_FILE: path.join(this.opts.runDir, 'citadel', 'root-cert.pem'),
        MESH_SIDECAR_CITADEL_TOKEN_FILE: tokenFile,
      }),
    );
    const files = ['cert-chain.pem', 'key.pem', 'root-cert.pem'].map((f) => path.join(dir, f));
    await this.supervisor.waitReady(agent, async () => files.every((f) => fs.existsSync(f)), this.opts.readyTimeoutMs ?? 30000);
    this.progress(`  ✓ pilot-agent Pilot's certificate from Citadel in ${dir}  (pid ${agent.pid})`);
    return dir;
  }

  /** Asks Citadel (with the admin token) for a bootstrap token for one identity; stores it 0600. */
  private async bootstrapToken(w: Pick<WorkloadPlan, 'name' | 'serviceAccount'>, namespace = NAMESPACE): Promise<string> {
    const dir = path.join(this.opts.runDir, 'tokens');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const adminToken = fs.readFileSync(path.join(this.opts.runDir, 'citadel-admin.token'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${this.plan.citadel.adminPort}/v1/bootstrap-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace, serviceAccount: w.serviceAccount, ttlSeconds: 7 * 86400 }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`Citadel refused a bootstrap token for ${w.serviceAccount}: ${res.status} ${await res.text()}`);
    const { token } = (await res.json()) as { token: string };
    const file = path.join(dir, `${w.name}.token`);
    fs.writeFileSync(file, token, { mode: 0o600 });
    return file;
  }

  private async startWorkload(w: WorkloadPlan): Promise<void> {
    const app = this.supervisor.start(
      w.name,
      process.execPath,
      [binPath('app')],
      this.env('app', {
        MESH_APP_SERVICE: w.app,
        MESH_APP_VERSION: w.version,
        MESH_APP_PORT: String(w.appPort),
        MESH_APP_EGRESS_PROXY: `http://127.0.0.1:${w.outboundPort}`,
      }),
    );
    await this.supervisor.waitReady(app, () => httpOk(`http://127.0.0.1:${w.appPort}/healthz`), this.opts.readyTimeoutMs ?? 30000);
    const tokenFile = await this.bootstrapToken(w);
    const sidecar = this.supervisor.start(
      `${w.name}-sidecar`,
      process.execPath,
      [binPath('sidecar')],
      this.env('sidecar', {
        MESH_ADMIN_PORT: String(w.adminPort),
        MESH_SIDECAR_PILOT_ADDRESS: `127.0.0.1:${this.plan.pilot.xdsPort}`,
        MESH_SIDECAR_OUTBOUND_PORT: String(w.outboundPort),
        MESH_SIDECAR_INBOUND_PORT: String(w.inboundPort),
        MESH_SIDECAR_SERVICE: w.service,
        MESH_SIDECAR_NAMESPACE: NAMESPACE,
        MESH_SIDECAR_LABELS: `app=${w.service},version=${w.version}`,
        MESH_SIDECAR_SERVICE_ACCOUNT: w.serviceAccount,
        MESH_SIDECAR_WORKLOAD_NAME: w.name,
        MESH_SIDECAR_SERVICE_PORT: String(this.plan.servicePort),
        MESH_SIDECAR_APP_PORT: String(w.appPort),
        MESH_SIDECAR_CITADEL_ADDRESS: `127.0.0.1:${this.plan.citadel.grpcPort}`,
        MESH_SIDECAR_CITADEL_ROOT_CERT_FILE: path.join(this.opts.runDir, 'citadel', 'root-cert.pem'),
        MESH_SIDECAR_CITADEL_TOKEN_FILE: tokenFile,
        MESH_SIDECAR_MIXER_ADDRESS: `127.0.0.1:${this.plan.mixer.grpcPort}`,
        MESH_SIDECAR_ACCESS_LOG_PATH: this.accessLogPath(w),
      }),
    );
    await this.supervisor.waitReady(sidecar, () => httpOk(`http://127.0.0.1:${w.adminPort}/healthz/live`), this.opts.readyTimeoutMs ?? 30000);
    this.progress(`  ✓ ${`${w.service} ${w.version}`.padEnd(22)} app :${w.appPort}  sidecar out :${w.outboundPort} in :${w.inboundPort} admin :${w.adminPort}`);
  }

  /** Where a workload's sidecar writes its access log (JSON lines; the summary reads callers' identities from it). */
  accessLogPath(w: Pick<WorkloadPlan, 'name'>): string {
    return path.join(this.opts.runDir, 'logs', `${w.name}-sidecar-access.log`);
  }

  /** Stops every process this mesh started, NATS last. Idempotent. */
  async stop(): Promise<void> {
    await this.supervisor.stopAll();
    if (this.nats) {
      await this.nats.stop();
      this.nats = undefined;
    }
  }
}
