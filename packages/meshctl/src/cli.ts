import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { ConfigResource } from '@mesh/shared-api';
import { runAnalyze } from './analyze-command.js';
import { readDocuments } from './documents.js';
import { GalleyClient, GalleyError } from './galley-client.js';
import { CommandError, defaultManifestsDir, runInstall, runKubeInject, runProxyConfig, runTokenCreate, runTop, sidecarAdmins } from './ops-commands.js';
import type { OpsIo } from './ops-commands.js';
import type { Colours, OutputFormat, ProgressSink } from './output.js';
import { clearingProgress, colours, outputFormat, serialise, withProgress } from './output.js';
import { formatSyncz } from './proxy-status.js';
import type { SyncEntry } from './proxy-status.js';
import { runValidate } from './validate-command.js';

/** Where the CLI writes; injected so tests can read it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  stdin?: () => string;
  /** stdout is a terminal: tables get colour (unless NO_COLOR). */
  isTTY?: boolean;
  /** stderr is a terminal: progress is shown there for anything taking more than a second. */
  errIsTTY?: boolean;
}

const USAGE = `meshctl: the command-line client for the mesh

Usage:
  meshctl apply -f <file|dir|-> [-f ...] [-n <namespace>]   create or update config in Galley
  meshctl get <kind> [name] [-n <namespace> | -A] [-o yaml|json]
  meshctl delete <kind> <name> [-n <namespace>]  |  meshctl delete -f <file>
  meshctl proxy-status [-o json|yaml]                        each sidecar's xDS sync state (from Pilot)
  meshctl proxy-config listeners|routes|clusters|endpoints|secrets [<sidecar>] [--admin <url>] [-o json|yaml]
                                      what one sidecar holds, from its admin endpoint (<sidecar>: its
                                      workload name, name.namespace or node id)
  meshctl top [--interval <s>] [--admin <url> ...] [-o json|yaml]
                                      request rate, error rate and latency per service, from the
                                      sidecars' metrics over --interval seconds (default 3; 0: totals)
  meshctl kube-inject -f <file|dir|-> [-f ...] [--sidecar-image i] [--init-image i] [--pilot-address a]
                      [--citadel-address a|none] [--mixer-address a|none] [--proxy-uid n] [--no-hold]
                                      the workloads with the sidecar added, as the /inject webhook does
  meshctl install [--profile demo|default|minimal] [--manifests <dir>] [-o yaml|json]
                                      the Kubernetes manifests of a profile (pipe to kubectl apply -f -)
  meshctl token create --service-account <sa> [-n <namespace>] [--ttl 24h]
                                      a bootstrap token from Citadel for a workload outside Kubernetes
  meshctl validate -f <file|dir|-> [-f ...] [-n <ns>] [-o json|yaml]
                                      check config offline with Galley's rules; exit 1 if any is invalid
  meshctl analyze [-f <file|dir|->] [-n <namespace> | -A] [-o json|yaml] [--failure-threshold Error|Warning|Info]
                                      Galley's cross-resource analysis of its stored config, with the
                                      files analysed as if applied (nothing is stored). Exit 0 when no
                                      message reaches the threshold (default Warning, so Info-only is 0),
                                      79 when one does (istioctl's code), 1 when Galley cannot answer

Settings (flag > environment > default):
  --galley <url>        env MESH_GALLEY_URL, default http://127.0.0.1:9901
  --token-file <path>   env MESH_TOKEN_FILE: bearer token for Galley (unset: anonymous)
  --pilot <url>         env MESH_PILOT_ADMIN_URL, default http://127.0.0.1:15014
  --admin <url|port>    a sidecar's admin endpoint (repeatable); unset: the sidecars on this host
                        that connect to that Pilot (local mode)
  --citadel <url>       env MESH_CITADEL_ADMIN_URL, default http://127.0.0.1:15016 (Citadel's admin port)
  --admin-token-file    env MESH_CITADEL_ADMIN_TOKEN_FILE, default .mesh/run/citadel-admin.token (./dev up's)
Output: tables for people (colour on a terminal; NO_COLOR turns it off), -o json|yaml for scripts.
Kinds: virtualservices (vs), destinationrules (dr), and their Kind names.
`;

/** Runs one meshctl command; returns the process exit code. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        namespace: { type: 'string', short: 'n' },
        'all-namespaces': { type: 'boolean', short: 'A' },
        output: { type: 'string', short: 'o' },
        galley: { type: 'string' },
        pilot: { type: 'string' },
        'token-file': { type: 'string' },
        'failure-threshold': { type: 'string' },
        admin: { type: 'string', multiple: true },
        interval: { type: 'string' },
        'sidecar-image': { type: 'string' },
        'init-image': { type: 'string' },
        'pilot-address': { type: 'string' },
        'citadel-address': { type: 'string' },
        'mixer-address': { type: 'string' },
        'proxy-uid': { type: 'string' },
        'no-hold': { type: 'boolean' },
        profile: { type: 'string' },
        manifests: { type: 'string' },
        kubectl: { type: 'string' },
        'service-account': { type: 'string' },
        ttl: { type: 'string' },
        citadel: { type: 'string' },
        'admin-token-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`meshctl: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const tokenFile = values['token-file'] ?? env['MESH_TOKEN_FILE'];
  const token = tokenFile ? fs.readFileSync(tokenFile, 'utf8').trim() : undefined;
  const galley = new GalleyClient(values.galley ?? env['MESH_GALLEY_URL'] ?? 'http://127.0.0.1:9901', token);
  const namespace = values.namespace ?? 'default';
  const output = values.output;
  if (output !== undefined && !['yaml', 'json', 'wide'].includes(output)) {
    io.err(`meshctl: -o ${output}: use yaml or json\n`);
    return 2;
  }
  const c = colours(io.isTTY, env);
  const progress: ProgressSink = { isTTY: io.errIsTTY === true, write: io.err };
  // Lines written while a progress spinner is on the terminal clear it first (it is redrawn after).
  const ops: OpsIo = { out: clearingProgress(progress, io.out), err: clearingProgress(progress, io.err), stdin: io.stdin, colours: c, progress };
  const format = (allowed?: OutputFormat[]): OutputFormat => {
    const f = outputFormat(output, allowed);
    if (typeof f === 'object') throw new CommandError(f.error, 2);
    return f;
  };
  const pilotUrl = values.pilot ?? env['MESH_PILOT_ADMIN_URL'] ?? 'http://127.0.0.1:15014';
  try {
    switch (command) {
      case 'apply':
        return await apply(galley, values.filename ?? [], values.namespace, ops);
      case 'get':
        return await get(galley, rest, values['all-namespaces'] ? undefined : namespace, output, io);
      case 'delete':
        return await del(galley, rest, values.filename ?? [], namespace, io);
      case 'validate':
        return runValidate({ files: values.filename ?? [], namespace: values.namespace, output }, io);
      case 'analyze':
        return await runAnalyze(
          galley,
          { files: values.filename ?? [], namespace: values['all-namespaces'] ? undefined : namespace, output, failureThreshold: values['failure-threshold'] },
          io,
        );
      case 'proxy-status':
        return await proxyStatus(pilotUrl, format(), c, io);
      case 'proxy-config':
        return await runProxyConfig(rest, sidecarAdmins(values.admin ?? [], pilotUrl), format(), ops);
      case 'top': {
        const interval = Number((values.interval ?? '3').replace(/s$/, ''));
        if (!Number.isFinite(interval) || interval < 0) throw new CommandError(`--interval ${values.interval}: use seconds`, 2);
        return await runTop(sidecarAdmins(values.admin ?? [], pilotUrl), interval, format(), ops);
      }
      case 'kube-inject':
        return runKubeInject(
          values.filename ?? [],
          {
            sidecarImage: values['sidecar-image'],
            initImage: values['init-image'],
            pilotAddress: values['pilot-address'],
            citadelAddress: values['citadel-address'],
            mixerAddress: values['mixer-address'],
            proxyUid: values['proxy-uid'],
            noHold: values['no-hold'],
          },
          format(['yaml', 'json']),
          ops,
        );
      case 'install':
        return await runInstall({ profile: values.profile ?? 'default', manifestsDir: values.manifests ?? defaultManifestsDir(), kubectl: values.kubectl ?? 'kubectl' }, format(['yaml', 'json']), ops);
      case 'token':
        if (rest[0] !== 'create') throw new CommandError('meshctl token: the command is `meshctl token create --service-account <sa> [-n <ns>] [--ttl 24h]`', 2);
        return await runTokenCreate(
          {
            citadelUrl: values.citadel ?? env['MESH_CITADEL_ADMIN_URL'] ?? 'http://127.0.0.1:15016',
            adminTokenFile: values['admin-token-file'] ?? env['MESH_CITADEL_ADMIN_TOKEN_FILE'] ?? '.mesh/run/citadel-admin.token',
            namespace,
            serviceAccount: values['service-account'],
            ttl: values.ttl,
          },
          format(),
          ops,
        );
      default:
        io.err(`meshctl: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof GalleyError) {
      if (err.causes.length === 0) io.err(`Error from Galley (${err.reason}): ${err.message}\n`);
      else {
        io.err(`Error from Galley (${err.reason}):\n`);
        for (const c of err.causes) io.err(`  ${c.field ?? ''}: ${c.message ?? ''}\n`);
      }
      return 1;
    }
    if (err instanceof CommandError) {
      io.err(`meshctl: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`meshctl: ${(err as Error).message}\n`);
    return 1;
  }
}

async function apply(galley: GalleyClient, files: string[], namespace: string | undefined, io: OpsIo): Promise<number> {
  if (files.length === 0) {
    io.err('meshctl apply: give at least one -f <file|dir|->\n');
    return 2;
  }
  const docs = readDocuments(files, io.stdin);
  let done = 0;
  return withProgress(io.progress, () => `applying ${done + 1}/${docs.length}...`, applyAll(galley, docs, namespace, io, () => done++));
}

async function applyAll(galley: GalleyClient, docs: ReturnType<typeof readDocuments>, namespace: string | undefined, io: OpsIo, step: () => void): Promise<number> {
  let failed = 0;
  for (const { source, doc } of docs) {
    const target = namespace && !doc.metadata?.namespace ? { ...doc, metadata: { ...doc.metadata, namespace } } : doc;
    try {
      const r = await galley.apply(target);
      io.out(`${r.kind.toLowerCase()}.${target.apiVersion.split('/')[0]}/${r.name} ${r.action}\n`);
      for (const w of r.warnings) io.err(`Warning: ${w}\n`);
    } catch (err) {
      if (!(err instanceof GalleyError)) throw err;
      failed++;
      const what = `${source}: ${doc.kind ?? '?'}/${doc.metadata?.name ?? '?'}`;
      if (err.causes.length === 0) io.err(`${what}: ${err.message}\n`);
      else {
        io.err(`${what} was refused (${err.reason}), nothing was changed:\n`);
        for (const c of err.causes) io.err(`  ${c.field ?? ''}: ${c.message ?? ''}\n`);
      }
    }
    step();
  }
  return failed > 0 ? 1 : 0;
}

async function get(galley: GalleyClient, args: string[], namespace: string | undefined, output: string | undefined, io: CliIo): Promise<number> {
  const [kindName, name] = args;
  const kind = kindName ? GalleyClient.resolveKind(kindName) : undefined;
  if (!kind) {
    io.err(`meshctl get: unknown kind "${kindName ?? ''}"\n`);
    return 2;
  }
  let items: ConfigResource[];
  if (name) {
    const one = await galley.get(kind, namespace ?? 'default', name);
    if (!one) {
      io.err(`Error from Galley (NotFound): ${kind.plural} "${name}" not found\n`);
      return 1;
    }
    items = [one];
  } else items = await galley.list(kind, namespace);
  const single = name ? items[0] : { apiVersion: 'v1', kind: 'List', items };
  if (output === 'json') io.out(JSON.stringify(single, null, 2) + '\n');
  else if (output === 'yaml') io.out(stringify(single));
  else {
    const rows = items.map((i) => [i.metadata.namespace ?? '', i.metadata.name, i.metadata.resourceVersion ?? '', age(i.metadata.creationTimestamp)]);
    io.out(table(['NAMESPACE', 'NAME', 'RESOURCE-VERSION', 'AGE'], rows));
  }
  return 0;
}

async function del(galley: GalleyClient, args: string[], files: string[], namespace: string, io: CliIo): Promise<number> {
  const targets: Array<{ kindName: string; ns: string; name: string }> = [];
  if (files.length > 0) for (const { doc } of readDocuments(files, io.stdin)) targets.push({ kindName: doc.kind, ns: doc.metadata?.namespace ?? namespace, name: doc.metadata?.name });
  else if (args.length === 2) targets.push({ kindName: args[0]!, ns: namespace, name: args[1]! });
  else {
    io.err('meshctl delete: give <kind> <name> or -f <file>\n');
    return 2;
  }
  let code = 0;
  for (const t of targets) {
    const kind = GalleyClient.resolveKind(t.kindName);
    if (!kind) {
      io.err(`meshctl delete: unknown kind "${t.kindName}"\n`);
      code = 2;
      continue;
    }
    if (await galley.delete(kind, t.ns, t.name)) io.out(`${kind.singular}.${kind.group}/${t.name} deleted\n`);
    else {
      io.err(`Error from Galley (NotFound): ${kind.plural} "${t.name}" not found\n`);
      code = 1;
    }
  }
  return code;
}

async function proxyStatus(pilotUrl: string, output: OutputFormat, c: Colours, io: CliIo): Promise<number> {
  const res = await fetch(new URL('/debug/syncz', pilotUrl), { signal: AbortSignal.timeout(5000) }).catch((err: Error) => {
    throw new Error(`cannot reach Pilot's debug endpoint at ${pilotUrl}: ${err.message}`);
  });
  if (!res.ok) throw new Error(`Pilot answered ${res.status} for /debug/syncz`);
  const entries = (await res.json()) as SyncEntry[];
  io.out(output === 'table' ? formatSyncz(entries, c.enabled ? c : undefined) : serialise(entries, output));
  return 0;
}

function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
}

/** Formats rows as a left-aligned table with a header, like kubectl. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('') + '\n';
  return line(header) + rows.map(line).join('');
}
