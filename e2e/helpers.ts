import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePlan, LocalMesh } from '@mesh/local-mesh';

/** Starts a whole local mesh on free ports with its own nats-server, in a temporary run dir. */
export async function startMesh(): Promise<{ mesh: LocalMesh; runDir: string }> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-e2e-'));
  const mesh = new LocalMesh({ plan: await freePlan(), runDir, privateNats: true, readyTimeoutMs: 30000 });
  await mesh.start();
  return { mesh, runDir };
}

/** Descendant pids of a process (children, grandchildren ...), read from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** True while a process exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
