import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KINDS } from '@mesh/shared-api';
import { connectNats, createLogger } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { KvConfigStore } from '../../store/kv-config-store.js';
import { SOURCE_ANNOTATION, SOURCE_FILE_ANNOTATION } from '../ownership.js';
import { DirectorySource } from './directory-source.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const DR = KINDS.find((k) => k.kind === 'DestinationRule')!;
const vsYaml = (name: string, host = name, ns?: string) =>
  `apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  hosts: [${host}]\n  http:\n  - route:\n    - destination:\n        host: ${host}\n`;
const drYaml = (name: string) => `apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata:\n  name: ${name}\nspec:\n  host: ${name}\n`;

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test', 'debug', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

describe('DirectorySource', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let store: KvConfigStore;
  let dir: string;
  let source: DirectorySource | undefined;
  let n = 0;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'config-dir-test', timeoutMs: 5000, logger: silentLogger() });
  });
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'galley-config-dir-'));
    store = await KvConfigStore.open({ nc, logger: silentLogger(), bucket: `config-dir-${++n}` });
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  async function start(logger = silentLogger(), rescanMs = 60_000): Promise<DirectorySource> {
    source = new DirectorySource({ dir, store, logger, rescanMs, debounceMs: 20 });
    await source.start();
    return source;
  }
  const names = async (kind = VS) => (await store.list(kind)).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

  it('applies every YAML and JSON file, multi-document and in subdirectories, recording each object\'s file', async () => {
    write('mesh.yaml', `${vsYaml('a')}---\n${drYaml('a')}`);
    write('team/b.yml', vsYaml('b', 'b', 'prod'));
    write('c.json', JSON.stringify({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'c' }, spec: { hosts: ['c'], http: [{ route: [{ destination: { host: 'c' } }] }] } }));
    write('notes.txt', vsYaml('ignored'));
    write('..data/hidden.yaml', vsYaml('hidden'));
    write('with-service.yaml', `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec: {}\n---\n${vsYaml('d')}`);
    const s = await start();
    expect(s.isSynced).toBe(true);
    expect(await names()).toEqual(['default/a', 'default/c', 'default/d', 'prod/b']);
    expect(await names(DR)).toEqual(['default/a']);
    expect((await store.get(VS, 'prod', 'b'))?.metadata.annotations).toEqual({ [SOURCE_ANNOTATION]: 'directory', [SOURCE_FILE_ANNOTATION]: 'team/b.yml' });
  });

  it('follows a ConfigMap-style mount whose files are links into ..data', async () => {
    write('..2024_01_01/mesh.yaml', vsYaml('from-configmap'));
    symlinkSync('..2024_01_01', path.join(dir, '..data'));
    symlinkSync('..data/mesh.yaml', path.join(dir, 'mesh.yaml'));
    await start();
    expect(await names()).toEqual(['default/from-configmap']);
    // The kubelet's atomic update: a new timestamped directory, then ..data is swapped to it.
    write('..2024_01_02/mesh.yaml', vsYaml('updated'));
    symlinkSync('..2024_01_02', path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    await source!.rescan();
    expect(await names()).toEqual(['default/updated']);
  });

  it('picks up new, changed and removed files through fs.watch', async () => {
    write('a.yaml', vsYaml('a'));
    await start();
    write('b.yaml', vsYaml('b'));
    await until('b applied', async () => (await names()).includes('default/b'));
    write('a.yaml', vsYaml('a', 'changed'));
    await until('a changed', async () => ((await store.get(VS, 'default', 'a'))?.spec['hosts'] as string[])[0] === 'changed');
    rmSync(path.join(dir, 'b.yaml'));
    await until('b deleted', async () => !(await names()).includes('default/b'));
  });

  it('deletes an object whose document was removed from its file', async () => {
    write('mesh.yaml', `${vsYaml('a')}---\n${vsYaml('b')}`);
    await start();
    write('mesh.yaml', vsYaml('a'));
    await source!.rescan();
    expect(await names()).toEqual(['default/a']);
  });

  it('refuses an invalid file as a whole, logging the file, document and field, and keeps what it applied before', async () => {
    write('mesh.yaml', vsYaml('a'));
    const { logger, lines } = capturingLogger();
    await start(logger);
    write('mesh.yaml', `${vsYaml('a', 'new-a')}---\n${vsYaml('b')}---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n  name: bad\nspec:\n  hosts: not-a-list\n`);
    await source!.rescan();
    expect(await names()).toEqual(['default/a']);
    expect((await store.get(VS, 'default', 'a'))?.spec['hosts']).toEqual(['a']);
    const refused = lines.find((l) => String(l['msg']).includes('refused as a whole'));
    expect(refused?.['msg']).toContain('mesh.yaml');
    expect(refused?.['msg']).toContain('document 3 (line 23)');
    expect(refused?.['msg']).toContain('spec.hosts: must be an array');
    // The same content is not re-checked or re-logged; fixing it applies it.
    await source!.rescan();
    expect(lines.filter((l) => String(l['msg']).includes('refused as a whole'))).toHaveLength(1);
    write('mesh.yaml', `${vsYaml('a', 'new-a')}---\n${vsYaml('b')}`);
    await source!.rescan();
    expect(await names()).toEqual(['default/a', 'default/b']);
  });

  it('refuses a file naming an object someone else owns, without applying any of it', async () => {
    await store.create(VS, { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'taken', namespace: 'default' }, spec: { hosts: ['api'] } });
    write('mesh.yaml', `${vsYaml('free')}---\n${vsYaml('taken')}`);
    const { logger, lines } = capturingLogger();
    await start(logger);
    expect(await names()).toEqual(['default/taken']);
    expect((await store.get(VS, 'default', 'taken'))?.spec['hosts']).toEqual(['api']);
    expect(lines.filter((l) => l['level'] === 'error').map((l) => l['msg'])).toEqual([expect.stringContaining('VirtualService default/taken is owned by api')]);
    // Once the API's object is gone, the file applies on the next pass.
    await store.delete(VS, 'default', 'taken');
    await source!.rescan();
    expect(await names()).toEqual(['default/free', 'default/taken']);
  });

  it('moves an object between files in one pass', async () => {
    write('a.yaml', `${vsYaml('x')}---\n${vsYaml('moving')}`);
    write('b.yaml', vsYaml('y'));
    await start();
    write('a.yaml', vsYaml('x'));
    write('b.yaml', `${vsYaml('y')}---\n${vsYaml('moving')}`);
    await source!.rescan();
    expect((await store.get(VS, 'default', 'moving'))?.metadata.annotations?.[SOURCE_FILE_ANNOTATION]).toBe('b.yaml');
  });

  it('on start, deletes objects of files removed while it was not running, and leaves other owners alone', async () => {
    write('a.yaml', vsYaml('a'));
    write('b.yaml', vsYaml('b'));
    await start();
    await source!.stop();
    await store.create(VS, { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'api-owned', namespace: 'default' }, spec: { hosts: ['x'] } });
    rmSync(path.join(dir, 'b.yaml'));
    await start();
    expect(await names()).toEqual(['default/a', 'default/api-owned']);
  });

  it('re-applies objects changed behind its back on the periodic rescan', async () => {
    write('a.yaml', vsYaml('a'));
    await start(silentLogger(), 100);
    const current = (await store.get(VS, 'default', 'a'))!;
    await store.replace(VS, { ...current, spec: { hosts: ['drifted'] } });
    await until('a restored', async () => ((await store.get(VS, 'default', 'a'))?.spec['hosts'] as string[])[0] === 'a');
  });

  it('fails to start when the directory does not exist', async () => {
    source = new DirectorySource({ dir: path.join(dir, 'missing'), store, logger: silentLogger() });
    await expect(source.start()).rejects.toThrow('is not a readable directory');
  });
});
