import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AdapterEnv, AdapterHandler, AdapterInstance } from '@mesh/shared-api';
import { adapter } from './index.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const env: AdapterEnv = { handlerName: 'audit.handler.default', logger: quiet, settings: {} };

describe('the example adapter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-example-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('declares the interface version and templates Mixer checks', () => {
    expect(adapter.apiVersion).toBe('mesh.mixer.adapter/v1');
    expect(adapter.templates).toEqual(['logentry', 'metric', 'listentry']);
  });

  it.each([
    [{ outputPath: 3 }, ['outputPath must be a file path']],
    [{ deny: 'x' }, ['deny must be a list of strings']],
    [{ deny: ['a'], outputPath: '/tmp/x' }, []],
  ])('validates params %p', (params, problems) => {
    expect(adapter.validateParams!(params)).toEqual(problems);
  });

  it('writes report instances as JSON lines and counts them', async () => {
    const out = path.join(dir, 'audit.jsonl');
    const h: AdapterHandler = await adapter.createHandler({ outputPath: out }, env);
    const inst: AdapterInstance = { name: 'accesslog.instance.default', template: 'logentry', fields: { variables: { code: 200n, path: '/a' }, timestamp: new Date('2026-01-01T00:00:00Z') } };
    await h.handleReport!([inst, inst]);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { handler: 'audit.handler.default', instance: 'accesslog.instance.default', template: 'logentry', fields: { variables: { code: 200, path: '/a' }, timestamp: '2026-01-01T00:00:00.000Z' } },
      expect.anything(),
    ]);
    expect(h.prometheusText!()).toContain('mesh_example_instances_total{handler="audit.handler.default",instance="accesslog.instance.default"} 2');
  });

  it('refuses listentry values on its deny list', async () => {
    const h = await adapter.createHandler({ deny: ['blocked-user'] }, env);
    expect(await h.handleCheck!({ name: 'user.instance.default', template: 'listentry', fields: { value: 'blocked-user' } })).toMatchObject({ status: { code: 7 } });
    expect(await h.handleCheck!({ name: 'user.instance.default', template: 'listentry', fields: { value: 'jason' } })).toMatchObject({ status: { code: 0 } });
  });
});
