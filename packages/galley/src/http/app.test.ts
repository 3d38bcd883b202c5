import { configKey, configKeyPrefix, KINDS } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import type { LightMyRequestResponse } from 'fastify';
import { ConfigEventLog } from '../testing/config-event-log.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';

const GROUP = 'networking.istio.io';
const V = `/apis/${GROUP}/v1alpha3`;
const VS_KIND = KINDS.find((k) => k.kind === 'VirtualService')!;
const spec = (subset = 'v1') => ({ hosts: ['shipping'], http: [{ route: [{ destination: { host: 'shipping', subset }, weight: 100 }] }] });
const vs = (name: string, extra: Partial<Omit<ConfigResource, 'metadata'>> & { metadata?: Record<string, unknown> } = {}) => ({
  apiVersion: `${GROUP}/v1alpha3`,
  kind: 'VirtualService',
  spec: spec(),
  ...extra,
  metadata: { name, ...extra.metadata },
});
// Response bodies are explored field by field in assertions; a loose type keeps that readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = <T = Record<string, any>>(res: LightMyRequestResponse): T => res.json<T>();

describe('Galley config API', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  let events: ConfigEventLog;
  const post = (ns: string, payload: unknown) => galley.app.inject({ method: 'POST', url: `${V}/namespaces/${ns}/virtualservices`, payload: payload as object });
  const get = (ns: string, name: string) => galley.app.inject({ method: 'GET', url: `${V}/namespaces/${ns}/virtualservices/${name}` });
  const put = (ns: string, name: string, payload: unknown) =>
    galley.app.inject({ method: 'PUT', url: `${V}/namespaces/${ns}/virtualservices/${name}`, payload: payload as object });
  const list = (ns: string) => galley.app.inject({ method: 'GET', url: `${V}/namespaces/${ns}/virtualservices` });

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'app-test', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({ nc });
    events = await ConfigEventLog.start(nc);
  });
  afterAll(async () => {
    events.stop();
    await galley.close();
    await nc.close();
    await nats.stop();
  });

  it('creates, gets, lists, replaces and deletes an object, managing its metadata', async () => {
    const created = await post('crud', vs('shipping', { metadata: { labels: { app: 'shipping' } } }));
    expect(created.statusCode).toBe(201);
    const obj = body(created);
    expect(obj).toMatchObject({ apiVersion: `${GROUP}/v1alpha3`, kind: 'VirtualService', spec: spec() });
    expect(obj.metadata).toEqual({
      name: 'shipping',
      namespace: 'crud',
      labels: { app: 'shipping' },
      uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      creationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      generation: 1,
      resourceVersion: expect.stringMatching(/^\d+$/),
    });

    const fetched = await get('crud', 'shipping');
    expect(fetched.statusCode).toBe(200);
    expect(body(fetched)).toEqual(obj);

    const listed = await list('crud');
    expect(listed.statusCode).toBe(200);
    const l = body(listed);
    expect(l).toMatchObject({ apiVersion: `${GROUP}/v1alpha3`, kind: 'VirtualServiceList', items: [obj] });
    expect(Number(l.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(obj.metadata.resourceVersion));

    const replaced = await put('crud', 'shipping', { ...obj, spec: spec('v2') });
    expect(replaced.statusCode).toBe(200);
    const r = body(replaced);
    expect(r.spec).toEqual(spec('v2'));
    expect(Number(r.metadata.resourceVersion)).toBeGreaterThan(Number(obj.metadata.resourceVersion));
    expect(r.metadata).toMatchObject({ uid: obj.metadata.uid, creationTimestamp: obj.metadata.creationTimestamp, generation: 2 });

    // A metadata-only change is a new revision but not a new generation.
    const relabelled = body(await put('crud', 'shipping', { ...r, metadata: { ...r.metadata, labels: { app: 'x' } } }));
    expect(relabelled.metadata).toMatchObject({ generation: 2, labels: { app: 'x' } });

    const deleted = await galley.app.inject({ method: 'DELETE', url: `${V}/namespaces/crud/virtualservices/shipping` });
    expect(deleted.statusCode).toBe(200);
    expect(body(deleted)).toMatchObject({ kind: 'VirtualService', metadata: { name: 'shipping', uid: obj.metadata.uid }, spec: spec('v2') });

    const gone = await get('crud', 'shipping');
    expect(gone.statusCode).toBe(404);
    expect(body(gone)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `virtualservices.${GROUP} "shipping" not found`,
      reason: 'NotFound',
      details: { name: 'shipping', group: GROUP, kind: 'virtualservices' },
      code: 404,
    });
    expect((await galley.app.inject({ method: 'DELETE', url: `${V}/namespaces/crud/virtualservices/shipping` })).statusCode).toBe(404);
    expect(body(await list('crud')).items).toEqual([]);
  });

  it('answers 409 AlreadyExists on a duplicate create and keeps the first object', async () => {
    const first = body(await post('dup', vs('a')));
    const again = await post('dup', vs('a', { spec: spec('v2') }));
    expect(again.statusCode).toBe(409);
    expect(body(again)).toMatchObject({ reason: 'AlreadyExists', code: 409, message: `virtualservices.${GROUP} "a" already exists`, details: { name: 'a' } });
    expect(body(await get('dup', 'a'))).toEqual(first);
  });

  it('answers 409 Conflict on a stale resourceVersion and keeps the newer object', async () => {
    const v1 = body(await post('cas', vs('a')));
    const v2 = body(await put('cas', 'a', { ...v1, spec: spec('v2') }));
    const stale = await put('cas', 'a', { ...v1, spec: spec('v3') });
    expect(stale.statusCode).toBe(409);
    expect(body(stale)).toMatchObject({ reason: 'Conflict', code: 409, message: expect.stringContaining('the object has been modified') });
    expect(body(await get('cas', 'a'))).toEqual(v2);
  });

  it('replaces against the current revision when no resourceVersion is given', async () => {
    const v1 = body(await post('norv', vs('a')));
    const res = await put('norv', 'a', vs('a', { spec: spec('v9') }));
    expect(res.statusCode).toBe(200);
    expect(body(res).metadata).toMatchObject({ uid: v1.metadata.uid, generation: 2 });
    expect(Number(body(res).metadata.resourceVersion)).toBeGreaterThan(Number(v1.metadata.resourceVersion));
  });

  it('answers 404 when replacing an object that does not exist, storing nothing', async () => {
    const res = await put('ghost', 'a', vs('a'));
    expect(res.statusCode).toBe(404);
    expect((await get('ghost', 'a')).statusCode).toBe(404);
  });

  it('answers 422 naming every invalid field and rule, and stores and announces nothing', async () => {
    const bad = vs('bad', { spec: { hosts: 'shipping', http: [{ route: [{ destination: { host: 'x' }, weight: 101 }], rout: [] }] } as never });
    const res = await post('invalid', bad);
    expect(res.statusCode).toBe(422);
    const status = body(res);
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'bad', group: GROUP, kind: 'VirtualService' } });
    expect(status.message).toMatch(/^VirtualService\.networking\.istio\.io "bad" is invalid: \[/);
    expect(status.details.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueInvalid', field: 'spec.hosts', message: 'must be an array' },
        { reason: 'FieldValueInvalid', field: 'spec.http[0].route[0].weight', message: 'must be <= 100' },
        { reason: 'FieldValueInvalid', field: 'spec.http[0].rout', message: 'unknown field (check its spelling and the apiVersion)' },
      ]),
    );
    expect(status.details.causes).toHaveLength(3);
    expect((await get('invalid', 'bad')).statusCode).toBe(404);
    expect(body(await list('invalid')).items).toEqual([]);
    // Events arrive in write order, so the first one for this namespace must be the valid write after it.
    await post('invalid', vs('good'));
    const [first] = await events.waitFor(configKeyPrefix(VS_KIND, 'invalid'), 1);
    expect(first).toMatchObject({ type: 'ADDED', key: configKey(VS_KIND, 'invalid', 'good') });
  });

  it('rejects server-managed metadata on create and a malformed resourceVersion on replace with 422', async () => {
    const res = await post('meta', vs('a', { metadata: { resourceVersion: '5' } }));
    expect(res.statusCode).toBe(422);
    expect(body(res).details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'must not be set when creating an object' }]);
    await post('meta', vs('a'));
    const rv = await put('meta', 'a', vs('a', { metadata: { resourceVersion: 'latest' } }));
    expect(rv.statusCode).toBe(422);
    expect(body(rv).details.causes[0].field).toBe('metadata.resourceVersion');
  });

  it('publishes one ConfigEvent per write, carrying the stored object and its revision', async () => {
    const created = body(await post('events', vs('a')));
    const replaced = body(await put('events', 'a', { ...created, spec: spec('v2') }));
    const deleted = body(await galley.app.inject({ method: 'DELETE', url: `${V}/namespaces/events/virtualservices/a` }));
    const got = await events.waitFor(configKeyPrefix(VS_KIND, 'events'), 3);
    const key = configKey(VS_KIND, 'events', 'a');
    expect(got).toEqual([
      { type: 'ADDED', key, revision: Number(created.metadata.resourceVersion), object: created },
      { type: 'MODIFIED', key, revision: Number(replaced.metadata.resourceVersion), object: replaced },
      { type: 'DELETED', key, revision: Number(deleted.metadata.resourceVersion), object: deleted },
    ]);
    expect(got[2]!.revision).toBeGreaterThan(got[1]!.revision);
    expect(got[2]!.object.spec).toEqual(spec('v2'));
  });

  it('keeps stored objects across a Galley restart (new app, new connection, same NATS)', async () => {
    const created = body(await post('restart', vs('a')));
    const nc2 = await connectNats({ url: nats.url, name: 'app-test-2', timeoutMs: 5000, logger: silentLogger() });
    const second = await createTestGalley({ nc: nc2 });
    try {
      const res = await second.app.inject({ method: 'GET', url: `${V}/namespaces/restart/virtualservices/a` });
      expect(res.statusCode).toBe(200);
      expect(body(res)).toEqual(created);
      const dup = await second.app.inject({ method: 'POST', url: `${V}/namespaces/restart/virtualservices`, payload: vs('a') });
      expect(dup.statusCode).toBe(409);
    } finally {
      await second.close();
      await nc2.close();
    }
  });

  it('lists one namespace, or every namespace on the cluster-wide path', async () => {
    await post('team-b', vs('x'));
    await post('team-a', vs('y'));
    await post('team-a', vs('x'));
    const a = body(await list('team-a'));
    expect(a.items.map((o: ConfigResource) => o.metadata.name)).toEqual(['x', 'y']);
    const all = await galley.app.inject({ method: 'GET', url: `${V}/virtualservices` });
    expect(all.statusCode).toBe(200);
    const teams = body(all).items.filter((o: ConfigResource) => o.metadata.namespace!.startsWith('team-'));
    expect(teams.map((o: ConfigResource) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['team-a/x', 'team-a/y', 'team-b/x']);
    expect(body(all).kind).toBe('VirtualServiceList');
  });

  it('accepts YAML bodies on create and replace', async () => {
    const yaml = ['apiVersion: networking.istio.io/v1alpha3', 'kind: VirtualService', 'metadata:', '  name: from-yaml', 'spec:', '  hosts: [shipping]', '  http:',
      '  - route:', '    - destination: {host: shipping, subset: v1}', '      weight: 100', ''].join('\n');
    const res = await galley.app.inject({ method: 'POST', url: `${V}/namespaces/yaml/virtualservices`, headers: { 'content-type': 'application/yaml' }, payload: yaml });
    expect(res.statusCode).toBe(201);
    expect(body(res)).toMatchObject({ metadata: { name: 'from-yaml', namespace: 'yaml' }, spec: spec() });
    const upd = await galley.app.inject({
      method: 'PUT',
      url: `${V}/namespaces/yaml/virtualservices/from-yaml`,
      headers: { 'content-type': 'application/yaml; charset=utf-8' },
      payload: yaml.replace('subset: v1', 'subset: v2'),
    });
    expect(upd.statusCode).toBe(200);
    expect(body(upd).spec).toEqual(spec('v2'));
  });

  it('serves an object at every served version of its group', async () => {
    await post('versions', vs('a'));
    const res = await galley.app.inject({ method: 'GET', url: `/apis/${GROUP}/v1beta1/namespaces/versions/virtualservices/a` });
    expect(res.statusCode).toBe(200);
    expect(body(res).apiVersion).toBe(`${GROUP}/v1beta1`);
    const created = await galley.app.inject({ method: 'POST', url: `/apis/${GROUP}/v1/namespaces/versions/virtualservices`, payload: vs('b') });
    expect(created.statusCode).toBe(201);
  });

  it.each([
    ['a namespace that differs from the path', 'POST', '/namespaces/bad/virtualservices', vs('a', { metadata: { namespace: 'other' } }), 'the namespace of the provided object does not match'],
    ['a name that differs from the path', 'PUT', '/namespaces/bad/virtualservices/b', vs('a'), 'the name of the object (a) does not match the name on the URL (b)'],
    ['an apiVersion of another group', 'POST', '/namespaces/bad/virtualservices', vs('a', { apiVersion: 'security.istio.io/v1beta1' }), 'does not match the expected API version'],
    ['an unserved version', 'POST', '/namespaces/bad/virtualservices', vs('a', { apiVersion: `${GROUP}/v2` }), 'is served at networking.istio.io/v1alpha3'],
    ['a kind that differs from the path', 'POST', '/namespaces/bad/virtualservices', vs('a', { kind: 'DestinationRule' }), 'the kind in the data (DestinationRule) does not match'],
    ['a body that is not an object', 'POST', '/namespaces/bad/virtualservices', ['a'], 'must be one object'],
    ['an invalid namespace in the path', 'POST', '/namespaces/Bad_NS/virtualservices', vs('a'), 'not a lowercase DNS-1123 label'],
  ])('answers 400 for %s and stores nothing', async (_what, method, path, payload, message) => {
    const res = await galley.app.inject({ method: method as 'POST', url: `${V}${path}`, payload: payload as object });
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: expect.stringContaining(message) });
    expect(body(await list('bad')).items).toEqual([]);
  });

  it.each([
    ['malformed JSON', 'application/json', '{"apiVersion": ', 'not valid JSON'],
    ['malformed YAML', 'application/yaml', 'metadata: {name: [a', 'not valid YAML'],
    ['several YAML documents', 'application/yaml', 'a: 1\n---\nb: 2\n', 'holds 2 YAML documents'],
    ['an empty body', 'application/json', '', 'the request body is empty'],
  ])('answers 400 for %s', async (_what, contentType, payload, message) => {
    const res = await galley.app.inject({ method: 'POST', url: `${V}/namespaces/bad/virtualservices`, headers: { 'content-type': contentType }, payload });
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: expect.stringContaining(message) });
  });

  it('answers 415 for a media type it cannot read', async () => {
    const res = await galley.app.inject({ method: 'POST', url: `${V}/namespaces/bad/virtualservices`, headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(res.statusCode).toBe(415);
    expect(body(res)).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });

  it.each([
    ['an unknown resource', `${V}/namespaces/x/widgets`],
    ['an unserved version', `/apis/${GROUP}/v9/namespaces/x/virtualservices`],
    ['an unknown group', '/apis/example.com/v1/namespaces/x/virtualservices'],
    ['an unknown path', '/nothing/here'],
    ['an object name no object can have', `${V}/namespaces/x/virtualservices/a*b`],
  ])('answers a 404 Status for %s', async (_what, url) => {
    const res = await galley.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(body(res)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  });

  it('honours DeleteOptions preconditions', async () => {
    const obj = body(await post('precond', vs('a')));
    const stale = await galley.app.inject({
      method: 'DELETE',
      url: `${V}/namespaces/precond/virtualservices/a`,
      payload: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } },
    });
    expect(stale.statusCode).toBe(409);
    expect((await get('precond', 'a')).statusCode).toBe(200);
    const ok = await galley.app.inject({
      method: 'DELETE',
      url: `${V}/namespaces/precond/virtualservices/a`,
      payload: { preconditions: { uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('serves discovery documents and a version built from the kind table', async () => {
    const groups = body(await galley.app.inject({ method: 'GET', url: '/apis' }));
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups).toContainEqual({
      name: GROUP,
      versions: ['v1alpha3', 'v1beta1', 'v1'].map((v) => ({ groupVersion: `${GROUP}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${GROUP}/v1alpha3`, version: 'v1alpha3' },
    });
    const resources = body(await galley.app.inject({ method: 'GET', url: V }));
    expect(resources).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${GROUP}/v1alpha3` });
    expect(resources.resources).toContainEqual({
      name: 'virtualservices',
      singularName: 'virtualservice',
      namespaced: true,
      kind: 'VirtualService',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['vs'],
      categories: ['istio-io', 'networking-istio-io'],
    });
    expect((await galley.app.inject({ method: 'GET', url: `/apis/${GROUP}/v7` })).statusCode).toBe(404);
    const version = body(await galley.app.inject({ method: 'GET', url: '/version' }));
    expect(version).toMatchObject({ major: '0', minor: '1', gitVersion: 'v0.1.0' });
  });
});
