import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_INJECTION_SETTINGS, kubeInjectYaml } from '@mesh/injector';
import type { InjectionSettings } from '@mesh/injector';
import { parseAllDocuments } from 'yaml';
import { localSidecarAdmins, scanLocalProcesses } from './local-discovery.js';
import type { Colours, OutputFormat, ProgressSink } from './output.js';
import { serialise, withProgress } from './output.js';
import { formatProxyConfig, proxyConfigData, proxyConfigKind, PROXY_CONFIG_KINDS } from './proxy-config.js';
import type { SidecarConfigDump } from './proxy-config.js';
import { SidecarAdminClient } from './sidecar-admin.js';
import { formatTop, topRows, trafficDelta, trafficSnapshot } from './top.js';

/** What the operations commands write to, and how. */
export interface OpsIo {
  out(text: string): void;
  err(text: string): void;
  stdin?: () => string;
  readonly colours: Colours;
  /** stderr, for progress on a terminal. */
  readonly progress?: ProgressSink;
}

/** A failure the user can fix, reported as one line, exit code 1 (2 for usage). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

// ---- kube-inject ----------------------------------------------------------------------------

/** Flags of `meshctl kube-inject` that override the injector's defaults (the webhook's too). */
export interface KubeInjectFlags {
  sidecarImage?: string;
  initImage?: string;
  pilotAddress?: string;
  citadelAddress?: string;
  mixerAddress?: string;
  proxyUid?: string;
  noHold?: boolean;
}

/** The injection settings from flags; `none` switches an optional address off, as in Galley. */
export function injectionSettingsFromFlags(f: KubeInjectFlags): InjectionSettings {
  const optional = (v: string | undefined, d: string) => (v === undefined ? d : v === 'none' ? '' : v);
  const uid = f.proxyUid === undefined ? DEFAULT_INJECTION_SETTINGS.proxyUid : Number(f.proxyUid);
  if (!Number.isInteger(uid) || uid < 1 || uid > 65535) throw new CommandError(`--proxy-uid ${f.proxyUid}: use a UID in 1-65535`, 2);
  return {
    ...DEFAULT_INJECTION_SETTINGS,
    sidecarImage: f.sidecarImage ?? DEFAULT_INJECTION_SETTINGS.sidecarImage,
    initImage: f.initImage ?? DEFAULT_INJECTION_SETTINGS.initImage,
    pilotAddress: f.pilotAddress ?? DEFAULT_INJECTION_SETTINGS.pilotAddress,
    citadelAddress: optional(f.citadelAddress, DEFAULT_INJECTION_SETTINGS.citadelAddress),
    mixerAddress: optional(f.mixerAddress, DEFAULT_INJECTION_SETTINGS.mixerAddress),
    proxyUid: uid,
    holdApplicationUntilProxyStarts: !f.noHold,
  };
}

/**
 * `meshctl kube-inject -f <file|dir|-> ...`: the input with the sidecar injected into every workload,
 * exactly as Galley's /inject webhook would (same library, same defaults). YAML (or a JSON List)
 * on stdout; what was skipped and why on stderr. Exit 1 when a workload could not be injected.
 */
export function runKubeInject(files: readonly string[], flags: KubeInjectFlags, format: OutputFormat, io: OpsIo): number {
  if (files.length === 0) throw new CommandError('meshctl kube-inject: give -f <file|dir|-> (use - for stdin)', 2);
  const settings = injectionSettingsFromFlags(flags);
  const texts: string[] = [];
  for (const src of files) {
    try {
      if (src === '-') texts.push(io.stdin?.() ?? fs.readFileSync(0, 'utf8'));
      else if (fs.statSync(src).isDirectory()) {
        for (const f of fs.readdirSync(src).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()) texts.push(fs.readFileSync(path.join(src, f), 'utf8'));
      } else texts.push(fs.readFileSync(src, 'utf8'));
    } catch (err) {
      throw new CommandError(`cannot read ${src}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let result;
  try {
    result = kubeInjectYaml(texts.join('\n---\n'), settings);
  } catch (err) {
    throw new CommandError(`meshctl kube-inject: ${(err as Error).message}`);
  }
  const { yaml, outcomes } = result;
  if (format === 'json') {
    io.out(serialise({ apiVersion: 'v1', kind: 'List', items: parseAllDocuments(yaml).map((d) => d.toJS() as unknown) }, 'json'));
  } else io.out(yaml);
  let failed = 0;
  for (const o of outcomes) {
    if (o.result === 'skipped') io.err(`${o.kind}/${o.name}: not injected: ${o.reason}\n`);
    if (o.result === 'error') {
      failed++;
      io.err(`${o.kind}/${o.name}: ${io.colours.red('cannot inject')}: ${o.reason}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

// ---- sidecars -------------------------------------------------------------------------------

/**
 * The admin URLs to read: the `--admin` flags, else the sidecars running on this host (local
 * mode) that connect to the Pilot behind `pilotUrl`. In Kubernetes, port-forward the pod's 15000
 * and pass `--admin http://127.0.0.1:15000`.
 */
export function sidecarAdmins(explicit: readonly string[], pilotUrl: string): string[] {
  if (explicit.length > 0) return explicit.map((a) => (/^https?:\/\//.test(a) ? a : `http://${a.includes(':') ? a : `127.0.0.1:${a}`}`));
  const pilotPort = Number(new URL(pilotUrl).port || 80);
  return localSidecarAdmins(scanLocalProcesses(), new URL(pilotUrl).hostname.match(/^(127\.|localhost)/) ? pilotPort : undefined);
}

/** The sidecar named `name` (its workload name, `<name>.<namespace>`, or its node id) among `admins`. */
async function findSidecar(admins: readonly string[], name: string | undefined, io: OpsIo): Promise<{ client: SidecarAdminClient; dump: SidecarConfigDump }> {
  if (admins.length === 0) throw new CommandError('no sidecar found: none runs on this host (local mode); pass --admin <url> (in Kubernetes: kubectl port-forward <pod> 15000, then --admin http://127.0.0.1:15000)');
  const dumps = await withProgress(
    io.progress,
    `reading ${admins.length} sidecar admin endpoint(s)...`,
    Promise.all(admins.map(async (url) => ({ client: new SidecarAdminClient(url), dump: await new SidecarAdminClient(url).configDump().catch(() => undefined) }))),
  );
  const live = dumps.filter((d): d is { client: SidecarAdminClient; dump: SidecarConfigDump } => d.dump !== undefined);
  if (name === undefined) {
    if (live.length === 1) return live[0]!;
    throw new CommandError(`name the sidecar: ${live.map((d) => workloadName(d.dump)).join(', ') || 'none answers'}`, 2);
  }
  const [wanted, ns] = name.split('.');
  const found = live.filter((d) => d.dump.node.id === name || (workloadName(d.dump) === wanted && (ns === undefined || d.dump.node.metadata?.['NAMESPACE'] === ns)));
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new CommandError(`${found.length} sidecars are named ${name} (${found.map((d) => d.client.baseUrl).join(', ')}): pass --admin <url>`);
  throw new CommandError(`no sidecar named ${name}; these answer: ${live.map((d) => workloadName(d.dump)).join(', ') || 'none'}`);
}

const workloadName = (d: SidecarConfigDump): string => String(d.node.metadata?.['WORKLOAD_NAME'] ?? d.node.id);

/** `meshctl proxy-config <kind> [name]`: what one sidecar holds, from its admin endpoint. */
export async function runProxyConfig(args: readonly string[], admins: readonly string[], format: OutputFormat, io: OpsIo): Promise<number> {
  const kind = args[0] ? proxyConfigKind(args[0]) : undefined;
  if (!kind) throw new CommandError(`meshctl proxy-config: give one of ${PROXY_CONFIG_KINDS.join(', ')}, then the sidecar's name`, 2);
  const { client, dump } = await findSidecar(admins, args[1], io);
  // The certificate comes from the agent's /certs: the private key never leaves the sidecar.
  const certs = kind === 'secrets' ? await client.certs() : undefined;
  if (kind === 'secrets' && !certs) io.err(`${workloadName(dump)} has no workload certificate (no Citadel configured)\n`);
  if (format === 'table') io.out(formatProxyConfig(kind, dump, certs));
  else io.out(serialise(proxyConfigData(kind, dump, certs), format));
  return 0;
}

/** `meshctl top`: requests, errors and latency per service over `intervalS`, from every sidecar's metrics. */
export async function runTop(admins: readonly string[], intervalS: number, format: OutputFormat, io: OpsIo): Promise<number> {
  if (admins.length === 0) throw new CommandError('no sidecar found: none runs on this host (local mode); pass --admin <url> for each sidecar to read');
  const scrape = async () => {
    const texts = await Promise.all(admins.map((a) => new SidecarAdminClient(a).prometheus().catch(() => undefined)));
    return { snapshot: trafficSnapshot(texts.filter((t): t is string => t !== undefined)), answered: texts.filter(Boolean).length };
  };
  const first = await scrape();
  if (first.answered === 0) throw new CommandError(`no sidecar answered at ${admins.join(', ')}`);
  let rows;
  if (intervalS > 0) {
    const started = Date.now();
    const done = new Promise<void>((r) => setTimeout(r, intervalS * 1000));
    await withProgress(io.progress, () => `sampling ${first.answered} sidecars: ${Math.max(0, Math.ceil(intervalS - (Date.now() - started) / 1000))} s left`, done, 0);
    const second = await scrape();
    rows = topRows(trafficDelta(first.snapshot, second.snapshot), (Date.now() - started) / 1000);
  } else rows = topRows(first.snapshot);
  if (format === 'table') io.out(formatTop(rows, io.colours));
  else io.out(serialise(rows, format));
  return 0;
}

// ---- token ----------------------------------------------------------------------------------

/** `1h`, `30m`, `7d`, `90s` or plain seconds → seconds. */
export function parseDurationS(v: string): number | undefined {
  const m = /^(\d+)(s|m|h|d)?$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/** What `meshctl token create` needs. */
export interface TokenOptions {
  citadelUrl: string;
  adminTokenFile: string;
  namespace: string;
  serviceAccount: string | undefined;
  ttl?: string;
}

/**
 * `meshctl token create`: asks Citadel (`POST /v1/bootstrap-tokens` with the admin token) for a
 * bootstrap token proving `spiffe://<td>/ns/<namespace>/sa/<sa>`. The token alone goes to stdout
 * (so `> token` works), what it is to stderr; `-o json|yaml` prints everything.
 */
export async function runTokenCreate(o: TokenOptions, format: OutputFormat, io: OpsIo): Promise<number> {
  if (!o.serviceAccount) throw new CommandError('meshctl token create: give --service-account <sa> (and --namespace <ns>, default "default")', 2);
  const ttlSeconds = o.ttl === undefined ? undefined : parseDurationS(o.ttl);
  if (o.ttl !== undefined && ttlSeconds === undefined) throw new CommandError(`--ttl ${o.ttl}: use seconds or 30m, 12h, 7d`, 2);
  let admin: string;
  try {
    admin = fs.readFileSync(o.adminTokenFile, 'utf8').trim();
  } catch (err) {
    throw new CommandError(`cannot read Citadel's admin token from ${o.adminTokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}): pass --admin-token-file or set MESH_CITADEL_ADMIN_TOKEN_FILE`);
  }
  const url = new URL('/v1/bootstrap-tokens', o.citadelUrl);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: o.namespace, serviceAccount: o.serviceAccount, ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new CommandError(`cannot reach Citadel at ${o.citadelUrl}: ${(err as Error).message} (its admin port: --citadel or MESH_CITADEL_ADMIN_URL)`);
  }
  const body = (await res.json().catch(() => ({}))) as { token?: string; identity?: string; tokenId?: string; expiresAt?: string; message?: string };
  if (res.status === 401) throw new CommandError(`Citadel refused the admin token from ${o.adminTokenFile}: ${body.message ?? 'unauthenticated'}`);
  if (!res.ok || !body.token) throw new CommandError(`Citadel answered ${res.status}: ${body.message ?? 'no token'}`);
  if (format !== 'table') io.out(serialise(body, format));
  else {
    io.out(`${body.token}\n`);
    io.err(`${io.colours.green('✓')} bootstrap token for ${body.identity} (id ${body.tokenId}), valid until ${body.expiresAt}\n`);
  }
  return 0;
}

// ---- install --------------------------------------------------------------------------------

/** Profiles and the kustomize overlay each one renders. */
export const PROFILES: Readonly<Record<string, { overlay: string; summary: string }>> = {
  demo: { overlay: 'overlays/dev', summary: 'everything, one NATS node, small requests, debug logs: a laptop cluster (kind, minikube)' },
  default: { overlay: 'overlays/production', summary: 'everything, replicated: NATS x3, Galley/Pilot/Mixer x2 spread over nodes, PDBs' },
  minimal: { overlay: 'overlays/minimal', summary: 'config and traffic management only: NATS, Galley, Pilot (no Citadel, Mixer or injector)' },
};

/** The repository's deploy/kubernetes, found from this package (dist/ or src/). */
export function defaultManifestsDir(): string {
  return path.resolve(__dirname, '..', '..', '..', 'deploy', 'kubernetes');
}

function kustomize(kubectl: string, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') reject(new CommandError(`meshctl install renders with kubectl kustomize: ${kubectl} was not found (install kubectl, or pass --kubectl <path>)`));
      else if (err) reject(new CommandError(`${kubectl} kustomize ${dir} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/**
 * `meshctl install --profile <p>`: the profile's manifests (deploy/kubernetes overlays, rendered
 * by `kubectl kustomize`), ready for `| kubectl apply -f -`. YAML by default; `-o json` a v1 List.
 */
export async function runInstall(o: { profile: string; manifestsDir: string; kubectl: string }, format: OutputFormat, io: OpsIo): Promise<number> {
  const profile = PROFILES[o.profile];
  if (!profile) throw new CommandError(`--profile ${o.profile}: use ${Object.keys(PROFILES).join(', ')}`, 2);
  const dir = path.join(o.manifestsDir, profile.overlay);
  if (!fs.existsSync(path.join(dir, 'kustomization.yaml'))) throw new CommandError(`no manifests at ${dir} (pass --manifests <deploy/kubernetes>)`);
  const yaml = await withProgress(io.progress, `rendering the ${o.profile} profile (${o.kubectl} kustomize ${dir})...`, kustomize(o.kubectl, dir));
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as { kind?: string });
  if (format === 'json') io.out(serialise({ apiVersion: 'v1', kind: 'List', items: docs }, 'json'));
  else io.out(yaml);
  io.err(`${io.colours.green('✓')} profile ${o.profile}: ${docs.length} objects (${profile.summary}); apply with: meshctl install --profile ${o.profile} | kubectl apply -f -\n`);
  return 0;
}
