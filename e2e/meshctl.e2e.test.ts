import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binPath, Supervisor } from '@mesh/local-mesh';
import { runCli } from '@mesh/meshctl';
import { freePort, NatsServerProcess } from '@mesh/runtime';

const SAMPLES = path.join(__dirname, '..', 'samples', 'demo');

async function meshctl(args: string[], galleyUrl: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...args, '--galley', galleyUrl], {}, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** meshctl against a real Galley process over real NATS, the way a CI pipeline uses it. */
describe('meshctl against Galley', () => {
  let nats: NatsServerProcess;
  let sup: Supervisor;
  let galleyUrl: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshctl-e2e-'));

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    sup = new Supervisor(path.join(dir, 'logs'));
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    galleyUrl = `http://127.0.0.1:${apiPort}`;
    const p = sup.start('galley', process.execPath, [binPath('galley')], {
      MESH_NATS_URL: nats.url,
      MESH_GALLEY_API_PORT: String(apiPort),
      MESH_ADMIN_PORT: String(adminPort),
      MESH_GALLEY_ANONYMOUS: 'true',
    });
    await sup.waitReady(p, async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`)).ok, 20000);
  });

  afterAll(async () => {
    await sup?.stopAll();
    await nats?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies a directory of Istio YAML, then reports it unchanged on a second apply', async () => {
    const first = await meshctl(['apply', '-f', path.join(SAMPLES, 'shipping-destination-rule.yaml'), '-f', path.join(SAMPLES, 'shipping-canary-90-10.yaml')], galleyUrl);
    expect(first).toEqual({
      code: 0,
      out: 'destinationrule.networking.istio.io/shipping-service created\nvirtualservice.networking.istio.io/shipping-service created\n',
      err: '',
    });
    const again = await meshctl(['apply', '-f', path.join(SAMPLES, 'shipping-canary-90-10.yaml')], galleyUrl);
    expect(again.out).toBe('virtualservice.networking.istio.io/shipping-service unchanged\n');
    const changed = await meshctl(['apply', '-f', path.join(SAMPLES, 'shipping-all-v2.yaml')], galleyUrl);
    expect(changed.out).toBe('virtualservice.networking.istio.io/shipping-service configured\n');
  });

  it('gets what Galley stores, as a table and as JSON', async () => {
    const table = await meshctl(['get', 'vs'], galleyUrl);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^NAMESPACE\s+NAME\s+RESOURCE-VERSION\s+AGE\ndefault\s+shipping-service\s+\d+\s+\d+s\n$/);
    const json = await meshctl(['get', 'virtualservice', 'shipping-service', '-o', 'json'], galleyUrl);
    expect(JSON.parse(json.out)).toMatchObject({ kind: 'VirtualService', metadata: { name: 'shipping-service', namespace: 'default' }, spec: { http: [{ route: [{ destination: { subset: 'v2' } }] }] } });
  });

  it('refuses invalid config naming each field and rule, and changes nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(path.join(SAMPLES, 'shipping-canary-90-10.yaml'), 'utf8').replace('weight: 90', 'weight: 190').replace('subset: v2', 'subst: v2'));
    const r = await meshctl(['apply', '-f', bad], galleyUrl);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}: VirtualService/shipping-service was refused (Invalid), nothing was changed:`);
    expect(r.err).toContain('spec.http[0].route[0].weight: must be <= 100');
    expect(r.err).toContain('spec.http[0].route[1].destination.subst: unknown field');
    const json = await meshctl(['get', 'vs', 'shipping-service', '-o', 'json'], galleyUrl);
    expect(JSON.parse(json.out).spec.http[0].route).toEqual([{ destination: { host: 'shipping-service', subset: 'v2' } }]);
  });

  it('deletes, and says so when there is nothing to delete', async () => {
    expect((await meshctl(['delete', 'vs', 'shipping-service'], galleyUrl)).out).toBe('virtualservice.networking.istio.io/shipping-service deleted\n');
    const again = await meshctl(['delete', 'vs', 'shipping-service'], galleyUrl);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/NotFound/);
  });
});
