import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One process the supervisor started. */
export interface Supervised {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
}

/** A process exited before it became ready, or never became ready. */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
}

/**
 * Starts processes with their output in one log file each, waits for readiness, and stops them
 * all (SIGTERM, then SIGKILL after a grace period) — including when the launcher itself exits.
 */
export class Supervisor {
  private readonly procs: Supervised[] = [];
  private readonly onExit = (): void => this.killAllNow();

  constructor(private readonly logDir: string) {
    fs.mkdirSync(logDir, { recursive: true });
    process.once('exit', this.onExit);
  }

  /** Every process started and still tracked. */
  get processes(): readonly Supervised[] {
    return this.procs;
  }

  /** Spawns `node <script> ...args` (or any command) with env added to the launcher's own. */
  start(name: string, command: string, args: string[], env: Record<string, string>): Supervised {
    const logFile = path.join(this.logDir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new ProcessStartError(`${name}: could not start ${command}`);
    const proc = { name, pid: child.pid, logFile, child };
    this.procs.push(proc);
    return proc;
  }

  /** Waits until `check()` holds; fails early, with the log's tail, if the process exits first. */
  async waitReady(proc: Supervised, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
        throw new ProcessStartError(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before it was ready:\n${tail(proc.logFile)}`);
      }
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ProcessStartError(`${proc.name} was not ready after ${timeoutMs} ms:\n${tail(proc.logFile)}`);
  }

  /** SIGTERM to every process (newest first), SIGKILL to any still alive after `graceMs`. Idempotent. */
  async stopAll(graceMs = 8000): Promise<void> {
    const procs = this.procs.splice(0).reverse();
    await Promise.all(
      procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
    process.removeListener('exit', this.onExit);
  }

  private killAllNow(): void {
    for (const p of this.procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}
