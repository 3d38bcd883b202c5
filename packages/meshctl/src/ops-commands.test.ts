import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_INJECTION_SETTINGS } from '@mesh/injector';
import { runCli } from './cli.js';
import { injectionSettingsFromFlags, parseDurationS } from './ops-commands.js';

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {}, { out: (t) => void (out += t), err: (t) => void (err += t), stdin: stdin === undefined ? undefined : () => stdin });
  return { code, out, err };
}

describe('operations commands', () => {
  it.each([
    ['90', 90],
    ['30m', 1800],
    ['12h', 43200],
    ['7d', 604800],
    ['1w', undefined],
  ])('reads the duration %s as %s s', (v, s) => expect(parseDurationS(v)).toBe(s));

  it('builds injection settings from flags, "none" switching an address off', () => {
    expect(injectionSettingsFromFlags({})).toEqual(DEFAULT_INJECTION_SETTINGS);
    expect(injectionSettingsFromFlags({ mixerAddress: 'none', proxyUid: '2000', noHold: true })).toMatchObject({ mixerAddress: '', proxyUid: 2000, holdApplicationUntilProxyStarts: false });
    expect(() => injectionSettingsFromFlags({ proxyUid: '0' })).toThrow(/--proxy-uid/);
  });

  it('kube-inject reads stdin and writes YAML', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers: [{ name: app, image: app:1 }]\n';
    const r = await cli(['kube-inject', '-f', '-'], pod);
    expect(r.code).toBe(0);
    expect(r.out).toContain('name: istio-proxy');
    expect(r.out).toContain('name: istio-init');
    expect((await cli(['kube-inject'])).code).toBe(2);
    expect(await cli(['kube-inject', '-f', '/nonexistent.yaml'])).toMatchObject({ code: 1, err: 'meshctl: cannot read /nonexistent.yaml: ENOENT\n' });
    expect(await cli(['kube-inject', '-f', '-'], 'a: [')).toMatchObject({ code: 1, err: expect.stringContaining('meshctl: meshctl kube-inject: invalid YAML') });
  });

  it('kube-inject reads every YAML file of a directory, in name order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshctl-kube-inject-'));
    try {
      fs.writeFileSync(path.join(dir, 'b.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: { name: b }\nspec: { containers: [{ name: app }] }\n');
      fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }));
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
      const r = await cli(['kube-inject', '-f', dir, '-o', 'json']);
      expect(r.code).toBe(0);
      const items = (JSON.parse(r.out) as { items: Array<{ metadata: { name: string }; spec?: { containers: Array<{ name: string }> } }> }).items;
      expect(items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
      expect(items[1]!.spec!.containers.map((c) => c.name)).toEqual(['istio-proxy', 'app']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('token create posts the identity with the admin token and prints the token alone on stdout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshctl-token-'));
    const tokenFile = path.join(dir, 'admin.token');
    fs.writeFileSync(tokenFile, 'admin-token-0123456789\n');
    let seen: { auth?: string; body?: unknown } = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen = { auth: req.headers.authorization, body: JSON.parse(body) };
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== 'Bearer admin-token-0123456789') return res.writeHead(401).end(JSON.stringify({ code: 'UNAUTHENTICATED', message: 'the admin token is not valid' }));
        res.end(JSON.stringify({ token: 'a.b.c', identity: 'spiffe://cluster.local/ns/shop/sa/reports', tokenId: 't1', expiresAt: '2030-01-01T00:00:00.000Z' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const citadel = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await cli(['token', 'create', '-n', 'shop', '--service-account', 'reports', '--ttl', '1h', '--citadel', citadel, '--admin-token-file', tokenFile]);
      expect(r).toEqual({ code: 0, out: 'a.b.c\n', err: '✓ bootstrap token for spiffe://cluster.local/ns/shop/sa/reports (id t1), valid until 2030-01-01T00:00:00.000Z\n' });
      expect(seen).toEqual({ auth: 'Bearer admin-token-0123456789', body: { namespace: 'shop', serviceAccount: 'reports', ttlSeconds: 3600 } });
      fs.writeFileSync(tokenFile, 'wrong-token-0123456789');
      const refused = await cli(['token', 'create', '--service-account', 'reports', '--citadel', citadel, '--admin-token-file', tokenFile]);
      expect(refused).toMatchObject({ code: 1, err: `meshctl: Citadel refused the admin token from ${tokenFile}: the admin token is not valid\n` });
      expect((await cli(['token', 'create', '--service-account', 'x', '--ttl', 'soon', '--citadel', citadel, '--admin-token-file', tokenFile])).code).toBe(2);
    } finally {
      await new Promise((r) => server.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proxy-config and top say how to point them at a sidecar when none is found', async () => {
    const r = await cli(['proxy-config', 'clusters', 'x', '--admin', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no sidecar named x; these answer: none');
    expect((await cli(['proxy-config', 'nonsense'])).code).toBe(2);
    expect((await cli(['install', '--profile', 'huge'])).err).toContain('--profile huge: use demo, default, minimal');
    expect(await cli(['install', '--kubectl', '/nonexistent/kubectl'])).toMatchObject({ code: 1, err: 'meshctl: meshctl install renders with kubectl kustomize: /nonexistent/kubectl was not found (install kubectl, or pass --kubectl <path>)\n' });
  });
});
