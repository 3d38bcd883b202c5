import { spawnSync } from 'node:child_process';
import path from 'node:path';

// runMain ends the process, so each case runs it in a child process against the built package.
const dist = path.join(__dirname, '..', 'dist', 'index.js');

function run(body: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const script = `const { runMain, setting, SettingsError } = require(${JSON.stringify(dist)});
const specs = { port: setting({ type: 'port', env: 'T_PORT', default: 1, description: 'a port' }) };
runMain({ bin: 'mesh-t', summary: 'test', specs, argv: process.argv.slice(process.argv.indexOf('--') + 1), async start(settings, logger) { ${body} } });`;
  const r = spawnSync(process.execPath, ['-e', script, '--', ...args], { encoding: 'utf8', env: { ...process.env, MESH_LOG_LEVEL: 'silent' }, timeout: 10000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('runMain', () => {
  it('prints help and exits 0', () => {
    const r = run('return { stop: async () => {} };', ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--port <port>');
  });

  it('exits 2 with one line naming the setting when a flag is invalid', () => {
    const r = run('return { stop: async () => {} };', ['--port', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('mesh-t: flag (--port / T_PORT): "x" is not a port (0-65535; 0 picks a free port)\n');
  });

  it('exits 2 when start finds settings that contradict each other', () => {
    const r = run("throw new SettingsError('--a needs --b');");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('mesh-t: --a needs --b\n');
  });

  it('exits 1 with a one-line reason when start-up fails', () => {
    const r = run("throw new Error('NATS unreachable');");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('mesh-t: start-up failed: NATS unreachable\n');
  });

  it('stops and exits 0 on SIGTERM', () => {
    // The interval stands for a server: it keeps the process alive until stop() clears it.
    const r = run("const keepAlive = setInterval(() => {}, 1000); setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50); return { stop: async () => { clearInterval(keepAlive); process.stdout.write('stopped\\n'); } };");
    expect(r.status).toBe(0);
    // The logger writes asynchronously, so its lines may come before or after stop()'s own output.
    expect(r.stdout.split('\n')).toContain('stopped');
    expect(r.stdout).toContain('"msg":"shutting down"');
    expect(r.stdout).toContain('"msg":"stopped"');
  });
});
