import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessStartError, Supervisor } from './supervisor.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('Supervisor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sup-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails fast, with the log tail, when a process exits before it is ready', async () => {
    const sup = new Supervisor(dir);
    const p = sup.start('dies', process.execPath, ['-e', 'process.stdout.write("bad setting X\\n"); process.exit(3)'], {});
    await expect(sup.waitReady(p, async () => false, 10000)).rejects.toThrow(ProcessStartError);
    await expect(sup.waitReady(p, async () => false, 10000)).rejects.toThrow(/dies exited \(3\)[\s\S]*bad setting X/);
    await sup.stopAll();
  });

  it('stops every process with SIGTERM, and SIGKILLs one that ignores it', async () => {
    const sup = new Supervisor(dir);
    const polite = sup.start('polite', process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {});
    const stubborn = sup.start('stubborn', process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); process.stdout.write("up\\n")'], {});
    await sup.waitReady(stubborn, async () => fs.readFileSync(stubborn.logFile, 'utf8').includes('up'), 5000);
    expect([alive(polite.pid), alive(stubborn.pid)]).toEqual([true, true]);
    await sup.stopAll(300);
    expect([alive(polite.pid), alive(stubborn.pid)]).toEqual([false, false]);
    expect(sup.processes).toHaveLength(0);
  });
});
