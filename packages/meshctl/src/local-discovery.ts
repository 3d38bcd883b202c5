import fs from 'node:fs';

/** A mesh process found on this host (local mode), with the settings that locate it. */
export interface LocalProcess {
  readonly pid: number;
  readonly component: 'sidecar' | 'pilot';
  /** Its admin (monitoring) port. */
  readonly adminPort: number;
  /** Sidecar: the Pilot address it connects to; Pilot: its xDS port. */
  readonly pilotAddress?: string;
  readonly xdsPort?: number;
}

/** A setting as the process was given it: `--flag value`, `--flag=value`, else the environment, else the default. */
function settingOf(argv: readonly string[], env: Readonly<Record<string, string>>, flag: string, envName: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}`) return argv[i + 1];
    if (a.startsWith(`--${flag}=`)) return a.slice(flag.length + 3);
  }
  return env[envName];
}

/**
 * Recognises a mesh sidecar or Pilot from its command line and environment (no I/O). The
 * defaults are the bins' own (sidecar admin 15000 and Pilot 127.0.0.1:15010; Pilot admin 15014).
 */
export function recogniseProcess(pid: number, argv: readonly string[], env: Readonly<Record<string, string>>): LocalProcess | undefined {
  const script = argv.find((a) => /mesh-(sidecar|pilot)(\.js)?$/.test(a));
  if (!script) return undefined;
  const adminPort = Number(settingOf(argv, env, 'admin-port', 'MESH_ADMIN_PORT') ?? (script.includes('sidecar') ? 15000 : 15014));
  if (!Number.isInteger(adminPort) || adminPort <= 0) return undefined;
  if (script.includes('sidecar')) return { pid, component: 'sidecar', adminPort, pilotAddress: settingOf(argv, env, 'pilot-address', 'MESH_SIDECAR_PILOT_ADDRESS') ?? '127.0.0.1:15010' };
  return { pid, component: 'pilot', adminPort, xdsPort: Number(settingOf(argv, env, 'xds-port', 'MESH_PILOT_XDS_PORT') ?? 15010) };
}

function readNulList(file: string): string[] {
  return fs.readFileSync(file, 'latin1').split('\0').filter(Boolean);
}

/** Every mesh sidecar and Pilot process on this host that we may read (Linux /proc). */
export function scanLocalProcesses(procDir = '/proc'): LocalProcess[] {
  const out: LocalProcess[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(procDir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readNulList(`${procDir}/${entry}/cmdline`);
      if (!argv.some((a) => a.includes('mesh-sidecar') || a.includes('mesh-pilot'))) continue;
      const env = Object.fromEntries(readNulList(`${procDir}/${entry}/environ`).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const p = recogniseProcess(Number(entry), argv, env);
      if (p) out.push(p);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/**
 * The admin URLs of the local sidecars that belong to the mesh whose Pilot serves its admin on
 * `pilotAdminPort`: the sidecars connecting to that Pilot's xDS port. Other meshes on the same
 * host (several demos, tests) are left out. Without a local Pilot on that port, every sidecar.
 */
export function localSidecarAdmins(processes: readonly LocalProcess[], pilotAdminPort: number | undefined): string[] {
  const pilot = processes.find((p) => p.component === 'pilot' && p.adminPort === pilotAdminPort);
  const sidecars = processes.filter((p) => p.component === 'sidecar');
  const mine = pilot ? sidecars.filter((s) => Number(s.pilotAddress?.split(':').at(-1)) === pilot.xdsPort) : sidecars;
  return [...new Set(mine.map((s) => `http://127.0.0.1:${s.adminPort}`))];
}
