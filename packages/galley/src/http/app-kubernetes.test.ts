import { configKeyPrefix, KINDS } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import type { LightMyRequestResponse } from 'fastify';
import { ConfigEventLog } from '../testing/config-event-log.js';
import { sampleVirtualService as vs } from '../testing/sample-objects.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';
import type { AdmissionWarningContext } from '../validation/admission-warnings.js';

const V = '/apis/networking.istio.io/v1alpha3';
const MP = '/apis/authentication.istio.io/v1alpha1/meshpolicies';
const VS_KIND = KINDS.find((k) => k.kind === 'VirtualService')!;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = <T = Record<string, any>>(res: LightMyRequestResponse): T => res.json<T>();
const meshPolicy = (name = 'default') => ({ apiVersion: 'authentication.istio.io/v1alpha1', kind: 'MeshPolicy', metadata: { name }, spec: { peers: [{ mtls: {} }] } });

describe('Galley config API (Kubernetes conventions)', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  let events: ConfigEventLog;
  const hookCalls: Array<{ name: string; ctx: AdmissionWarningContext }> = [];
  const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    galley.app.inject({ method: method as 'GET', url, payload: payload as object, headers });
  const names = (res: LightMyRequestResponse): string[] => body(res).items.map((o: { metadata: { name: string } }) => o.metadata.name);

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'k8s-test', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({
      nc,
      admissionWarnings: async (obj, ctx) => {
        hookCalls.push({ name: obj.metadata.name, ctx });
        if (obj.metadata.name === 'hook-fails') throw new Error('analysis exploded');
        return obj.metadata.labels?.['warn'] ? [`analysis: ${obj.metadata.labels['warn']}`, 'ünïcode "quoted" \\ warning'] : [];
      },
    });
    events = await ConfigEventLog.start(nc);
  });
  afterAll(async () => {
    events.stop();
    await galley.close();
    await nc.close();
    await nats.stop();
  });

  it('serves cluster-scoped kinds at /apis/<g>/<v>/<plural>[/<name>], and only there', async () => {
    const created = await inject('POST', MP, { ...meshPolicy(), metadata: { name: 'default', namespace: 'ignored' } });
    expect(created.statusCode).toBe(201);
    expect(body(created).metadata).not.toHaveProperty('namespace');
    expect(body(await inject('GET', `${MP}/default`)).spec).toEqual({ peers: [{ mtls: {} }] });
    expect(names(await inject('GET', MP))).toEqual(['default']);
    const replaced = await inject('PUT', `${MP}/default`, { ...body<Record<string, unknown>>(created), spec: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] } });
    expect(replaced.statusCode).toBe(200);
    expect((await inject('GET', '/apis/authentication.istio.io/v1alpha1/namespaces/x/meshpolicies')).statusCode).toBe(404);
    expect((await inject('GET', `${V}/virtualservices/some-name`)).statusCode).toBe(404);
    expect((await inject('POST', `${V}/virtualservices`, vs('a'))).statusCode).toBe(405);
    expect((await inject('DELETE', `${MP}/default`)).statusCode).toBe(200);
    expect((await inject('GET', `${MP}/default`)).statusCode).toBe(404);
  });

  it('filters lists with label selectors (=, ==, !=, in, notin, exists, !key) and field selectors', async () => {
    const ns = 'select';
    await inject('POST', `${V}/namespaces/${ns}/virtualservices`, vs('a', { labels: { app: 'shop', tier: 'web' } }));
    await inject('POST', `${V}/namespaces/${ns}/virtualservices`, vs('b', { labels: { app: 'shop', tier: 'db' } }));
    await inject('POST', `${V}/namespaces/${ns}/virtualservices`, vs('c', { labels: { app: 'pay' } }));
    await inject('POST', `${V}/namespaces/other-select/virtualservices`, vs('a', { labels: { app: 'shop' } }));
    const list = (q: string) => inject('GET', `${V}/namespaces/${ns}/virtualservices?${q}`);
    expect(names(await list('labelSelector=app%3Dshop'))).toEqual(['a', 'b']);
    expect(names(await list('labelSelector=app%3D%3Dshop,tier!%3Ddb'))).toEqual(['a']);
    expect(names(await list(`labelSelector=${encodeURIComponent('tier in (db,web)')}`))).toEqual(['a', 'b']);
    expect(names(await list(`labelSelector=${encodeURIComponent('tier notin (db)')}`))).toEqual(['a', 'c']);
    expect(names(await list('labelSelector=tier'))).toEqual(['a', 'b']);
    expect(names(await list('labelSelector=!tier'))).toEqual(['c']);
    expect(names(await list('fieldSelector=metadata.name%3Db'))).toEqual(['b']);
    expect(names(await list('fieldSelector=metadata.name!%3Db&labelSelector=app%3Dshop'))).toEqual(['a']);
    const all = await inject('GET', `${V}/virtualservices?labelSelector=app%3Dshop&fieldSelector=metadata.namespace%3Dother-select`);
    expect(body(all).items.map((o: { metadata: { namespace: string } }) => o.metadata.namespace)).toEqual(['other-select']);
    for (const bad of ['labelSelector=app%20in%20(', 'fieldSelector=spec.hosts%3Da', 'labelSelector=-x']) {
      const res = await list(bad);
      expect(res.statusCode).toBe(400);
      expect(body(res)).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    }
  });

  it('pages lists with limit and continue', async () => {
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await inject('POST', `${V}/namespaces/paging/virtualservices`, vs(n));
    const first = body(await inject('GET', `${V}/namespaces/paging/virtualservices?limit=2`));
    expect(first.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['p1', 'p2']);
    expect(first.metadata).toMatchObject({ continue: expect.any(String), remainingItemCount: 3 });
    const second = body(await inject('GET', `${V}/namespaces/paging/virtualservices?limit=2&continue=${first.metadata.continue}`));
    expect(second.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['p3', 'p4']);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const last = body(await inject('GET', `${V}/namespaces/paging/virtualservices?limit=2&continue=${second.metadata.continue}`));
    expect(last.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['p5']);
    expect(last.metadata.continue).toBeUndefined();
    expect((await inject('GET', `${V}/namespaces/paging/virtualservices?continue=garbage`)).statusCode).toBe(400);
    expect((await inject('GET', `${V}/namespaces/paging/virtualservices?limit=-1`)).statusCode).toBe(400);
  });

  it('answers kubectl-style Table requests with Name and Age columns', async () => {
    await inject('POST', `${V}/namespaces/table/virtualservices`, vs('t'));
    const res = await inject('GET', `${V}/namespaces/table/virtualservices`, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    });
    expect(body(res)).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      columnDefinitions: [{ name: 'Name' }, { name: 'Age', type: 'date' }],
      rows: [{ cells: ['t', expect.stringMatching(/^\d+s$/)], object: { kind: 'PartialObjectMetadata', metadata: { name: 't', namespace: 'table' } } }],
    });
  });

  it('validates dry runs fully but stores and announces nothing', async () => {
    const ns = 'dry';
    const url = `${V}/namespaces/${ns}/virtualservices`;
    const dry = await inject('POST', `${url}?dryRun=All`, vs('a'));
    expect(dry.statusCode).toBe(201);
    expect(body(dry).metadata).toMatchObject({ name: 'a', namespace: ns, uid: expect.any(String) });
    expect(body(dry).metadata.resourceVersion).toBeUndefined();
    expect((await inject('GET', `${url}/a`)).statusCode).toBe(404);
    expect((await inject('POST', `${url}?dryRun=All`, { ...vs('a'), spec: { hosts: 1 } })).statusCode).toBe(422);
    expect((await inject('POST', `${url}?dryRun=Some`, vs('a'))).statusCode).toBe(400);

    const real = body(await inject('POST', url, vs('a')));
    const rv = real.metadata.resourceVersion;
    const dryPut = await inject('PUT', `${url}/a?dryRun=All`, { ...real, spec: vs('a', { subset: 'v2' })['spec'] });
    expect(dryPut.statusCode).toBe(200);
    expect(body(dryPut).spec.http[0].route[0].destination.subset).toBe('v2');
    expect((await inject('PUT', `${url}/a?dryRun=All`, { ...real, metadata: { ...real.metadata, resourceVersion: '1' } })).statusCode).toBe(409);
    const dryPatch = await inject('PATCH', `${url}/a?dryRun=All`, { metadata: { labels: { x: 'y' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(body(dryPatch).metadata.labels).toEqual({ x: 'y' });
    expect((await inject('DELETE', `${url}/a?dryRun=All`)).statusCode).toBe(200);
    expect((await inject('DELETE', `${url}/a`, { dryRun: ['All'] })).statusCode).toBe(200);
    const after = body(await inject('GET', `${url}/a`));
    expect(after.metadata.resourceVersion).toBe(rv);
    expect(after.metadata.labels).toBeUndefined();
    expect((await inject('POST', `${url}?dryRun=All`, vs('a'))).statusCode).toBe(409);
    // Exactly one event (the real create) was announced for this namespace.
    await new Promise((r) => setTimeout(r, 100));
    expect(events.forKeys(configKeyPrefix(VS_KIND, ns)).map((e) => e.type)).toEqual(['ADDED']);
  });

  it('sends validation and hook warnings as Kubernetes Warning headers, and a failing hook never blocks a write', async () => {
    const res = await inject('POST', `${V}/namespaces/warn/virtualservices`, vs('w', { labels: { warn: 'subset-missing' } }));
    expect(res.statusCode).toBe(201);
    const warning = res.headers['warning'];
    const values = Array.isArray(warning) ? warning : [warning];
    expect(values[0]).toBe('299 - "analysis: subset-missing"');
    // UTF-8 bytes on the wire (carried as latin1 by Node), quotes and backslashes escaped.
    expect(Buffer.from(values[1]!, 'latin1').toString('utf8')).toBe('299 - "ünïcode \\"quoted\\" \\\\ warning"');
    expect(hookCalls.find((c) => c.name === 'w')!.ctx).toMatchObject({ operation: 'create', dryRun: false, username: 'system:anonymous', kind: { kind: 'VirtualService' } });
    const failing = await inject('POST', `${V}/namespaces/warn/virtualservices`, vs('hook-fails'));
    expect(failing.statusCode).toBe(201);
    expect(String(failing.headers['warning'])).toContain('cross-resource analysis could not run');
  });

  it('serves discovery for every group of the kind table, with verbs, short names and categories', async () => {
    expect(body(await inject('GET', '/api'))).toMatchObject({ kind: 'APIVersions' });
    const groups = body(await inject('GET', '/apis')).groups.map((g: { name: string }) => g.name);
    expect(groups.sort()).toEqual([...new Set(KINDS.map((k) => k.group))].sort());
    for (const k of KINDS) {
      for (const v of k.versions) {
        const list = body(await inject('GET', `/apis/${k.group}/${v}`));
        expect(list.resources).toContainEqual(
          expect.objectContaining({ name: k.plural, kind: k.kind, namespaced: k.namespaced, shortNames: [...k.shortNames], categories: expect.arrayContaining(['istio-io']) }),
        );
      }
    }
  });

  it('serves OpenAPI v3 with PATCH operations that take fieldValidation and no strategic merge patch', async () => {
    const index = body(await inject('GET', '/openapi/v3'));
    const entry = index.paths['apis/networking.istio.io/v1alpha3'];
    expect(entry.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/networking\.istio\.io\/v1alpha3\?hash=[0-9A-F]+$/);
    const doc = body(await inject('GET', entry.serverRelativeURL));
    const patch = doc.paths['/apis/networking.istio.io/v1alpha3/namespaces/{namespace}/virtualservices/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'networking.istio.io', version: 'v1alpha3', kind: 'VirtualService' });
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    expect(Object.keys(patch.requestBody.content).sort()).toEqual(['application/json-patch+json', 'application/merge-patch+json']);
    expect(doc.components.schemas['io.istio.networking.v1alpha3.VirtualService'].properties.spec.properties.hosts).toMatchObject({ type: 'array' });
    expect((await inject('GET', '/openapi/v3/apis/example.com/v1')).statusCode).toBe(404);
    expect((await inject('GET', '/openapi/v2')).statusCode).toBe(404);
  });

  it('refuses writes with a media type they do not take, and deleting collections', async () => {
    const url = `${V}/namespaces/media/virtualservices`;
    const res = await inject('POST', url, JSON.stringify(vs('a')), { 'content-type': 'application/merge-patch+json' });
    expect(res.statusCode).toBe(415);
    expect(body(res)).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType' });
    expect((await inject('DELETE', url)).statusCode).toBe(405);
  });
});
