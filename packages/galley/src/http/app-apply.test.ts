import { KINDS } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import type { LightMyRequestResponse } from 'fastify';
import { stringify } from 'yaml';
import { sampleDestinationRule as dr, sampleVirtualService as vs } from '../testing/sample-objects.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';
import type { AdmissionWarningContext } from '../validation/admission-warnings.js';
import { APPLY_PATH } from './apply-routes.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = <T = Record<string, any>>(res: LightMyRequestResponse): T => res.json<T>();
const yamlStream = (...docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');
const VS = KINDS.find((k) => k.kind === 'VirtualService')!;

describe(`POST ${APPLY_PATH}`, () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  const seen: Array<{ name: string; ctx: AdmissionWarningContext }> = [];
  const apply = (payload: string, query = '', contentType = 'application/yaml') =>
    galley.app.inject({ method: 'POST', url: `${APPLY_PATH}${query}`, headers: { 'content-type': contentType }, payload });

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'apply-route-test', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({
      nc,
      auth: {
        anonymous: false,
        tokens: [
          { token: 'ci-token', user: 'ci', roles: [{ role: 'write', namespaces: ['shop'] }, { role: 'read', namespaces: ['*'] }] },
          { token: 'admin-token', user: 'root', roles: [{ role: 'admin', namespaces: ['*'] }] },
        ],
      },
      admissionWarnings: async (obj, ctx) => {
        seen.push({ name: obj.metadata.name, ctx });
        return obj.kind === 'VirtualService' && !ctx.batch.some((o) => o.kind === 'DestinationRule') ? ['no DestinationRule in this batch defines the subset'] : [];
      },
    });
  });
  afterAll(async () => {
    await galley.close();
    await nc.close();
    await nats.stop();
  });
  const asAdmin = (payload: string, query = '') =>
    galley.app.inject({ method: 'POST', url: `${APPLY_PATH}${query}`, headers: { 'content-type': 'application/yaml', authorization: 'Bearer admin-token' }, payload });

  it('applies a multi-document YAML stream and answers per document; a second apply is unchanged', async () => {
    const stream = yamlStream(dr('reviews'), vs('reviews'), { ...vs('other'), metadata: { name: 'other', namespace: 'elsewhere' } });
    const res = await asAdmin(stream, '?namespace=shop');
    expect(res.statusCode).toBe(200);
    const r = body(res);
    expect(r).toMatchObject({ apiVersion: 'galley.mesh.io/v1', kind: 'ApplyResult', dryRun: false });
    expect(r.results).toEqual([
      { index: 0, apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', namespace: 'shop', name: 'reviews', action: 'created', resourceVersion: expect.stringMatching(/^\d+$/), warnings: [] },
      { index: 1, apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', namespace: 'shop', name: 'reviews', action: 'created', resourceVersion: expect.stringMatching(/^\d+$/), warnings: [] },
      expect.objectContaining({ index: 2, namespace: 'elsewhere', name: 'other', action: 'created' }),
    ]);
    expect(Number(r.metadata.resourceVersion)).toBe(Math.max(...r.results.map((x: { resourceVersion: string }) => Number(x.resourceVersion))));
    // The hook saw the whole batch for every document.
    expect(seen.find((s) => s.name === 'reviews' && s.ctx.kind.kind === 'VirtualService')!.ctx.batch).toHaveLength(3);
    const again = body(await asAdmin(stream, '?namespace=shop'));
    expect(again.results.map((x: { action: string }) => x.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const changed = body(await asAdmin(yamlStream(vs('reviews', { subset: 'v2' })), '?namespace=shop'));
    expect(changed.results[0].action).toBe('configured');
  });

  it('sends warnings per document and in Warning headers naming the document', async () => {
    const res = await asAdmin(yamlStream(vs('lonely')), '?namespace=warn');
    expect(body(res).results[0].warnings).toEqual(['no DestinationRule in this batch defines the subset']);
    expect(res.headers['warning']).toEqual(['299 - "VirtualService warn/lonely: no DestinationRule in this batch defines the subset"']);
  });

  it('refuses the whole batch with 422 when a document is invalid, naming each one, and stores nothing', async () => {
    const res = await asAdmin(yamlStream(vs('fine'), { ...vs('broken'), spec: { hosts: 'x' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }), '?namespace=invalid');
    expect(res.statusCode).toBe(400);
    const status = body(res);
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', message: 'apply refused: 2 of 3 documents were refused; nothing was stored' });
    expect(status.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'documents[1].spec.hosts', message: 'VirtualService invalid/broken: must be an array' },
      { reason: 'BadRequest', field: 'documents[2]', message: 'ConfigMap c: no matches for kind "ConfigMap" in version "v1"' },
    ]);
    expect(status.results.map((r: { error?: { code: number } }) => r.error?.code)).toEqual([undefined, 422, 400]);
    expect((await galley.store.list(VS, 'invalid')).items).toEqual([]);
    const only422 = await asAdmin(yamlStream({ ...vs('broken'), spec: { hosts: 'x' } }), '?namespace=invalid');
    expect(only422.statusCode).toBe(422);
  });

  it('refuses duplicates, empty bodies and bad namespaces with 400', async () => {
    expect((await asAdmin(yamlStream(vs('twice'), vs('twice')), '?namespace=dup')).statusCode).toBe(400);
    expect((await asAdmin('# nothing here\n')).statusCode).toBe(400);
    expect((await asAdmin(yamlStream(vs('a')), '?namespace=Bad_NS')).statusCode).toBe(400);
    expect((await asAdmin('a: [1\n')).statusCode).toBe(400);
    expect((await galley.store.list(VS, 'dup')).items).toEqual([]);
  });

  it('accepts JSON: an object, an array or a v1 List', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [vs('j1'), vs('j2')] };
    const res = await galley.app.inject({ method: 'POST', url: `${APPLY_PATH}?namespace=json`, headers: { authorization: 'Bearer admin-token' }, payload: list });
    expect(body(res).results.map((r: { name: string }) => r.name)).toEqual(['j1', 'j2']);
    const arr = await galley.app.inject({ method: 'POST', url: `${APPLY_PATH}?namespace=json`, headers: { authorization: 'Bearer admin-token' }, payload: [vs('j3')] });
    expect(body(arr).results[0].action).toBe('created');
  });

  it('stores nothing in a dry run', async () => {
    const res = await asAdmin(yamlStream(vs('dry')), '?namespace=dry&dryRun=All');
    expect(body(res)).toMatchObject({ dryRun: true, results: [{ action: 'created', resourceVersion: '' }] });
    expect((await galley.store.list(VS, 'dry')).items).toEqual([]);
  });

  it('authorizes every document: one forbidden document refuses the batch with 403', async () => {
    const ok = await apply(yamlStream(vs('mine')), '?namespace=shop');
    expect(ok.statusCode).toBe(401);
    const ci = (payload: string) => galley.app.inject({ method: 'POST', url: APPLY_PATH, headers: { 'content-type': 'application/yaml', authorization: 'Bearer ci-token' }, payload });
    expect((await ci(yamlStream({ ...vs('mine'), metadata: { name: 'mine', namespace: 'shop' } }))).statusCode).toBe(200);
    const res = await ci(yamlStream({ ...vs('mine2'), metadata: { name: 'mine2', namespace: 'shop' } }, { ...vs('theirs'), metadata: { name: 'theirs', namespace: 'payments' } }));
    expect(res.statusCode).toBe(403);
    expect(body(res).details.causes).toEqual([
      {
        reason: 'Forbidden',
        field: 'documents[1]',
        message: expect.stringContaining('User "ci" cannot patch resource "virtualservices" in API group "networking.istio.io" in the namespace "payments"'),
      },
    ]);
    expect(await galley.store.get(VS, 'shop', 'mine2')).toBeUndefined();
  });
});
