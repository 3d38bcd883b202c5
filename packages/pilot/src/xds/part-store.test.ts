import { config, fixtureIndex, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';
import { proxyScope } from '../translate/scope.js';
import { PartValidator, recordingIndex, scopeInputs } from './part-store.js';

const web = workload({ name: 'web-v1', app: 'web', version: 'v1', ip: '10.0.0.1' });
const api = workload({ name: 'api-v1', app: 'api', version: 'v1', ip: '10.0.0.2' });
const vs = config('VirtualService', 'api', { hosts: ['api'], http: [{ route: [{ destination: { host: 'api' } }] }] });
const dr = config('DestinationRule', 'api', { host: 'api', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
const fixture: MeshFixture = { workloads: [web, api], configs: [vs, dr] };

/** Records what `read` reads through a recording index of `f`, and a validator for another fixture. */
function recorded(f: MeshFixture, read: (index: ReturnType<typeof fixtureIndex>) => void): ReturnType<typeof scopeInputs> {
  const index = fixtureIndex(f);
  const inputs = scopeInputs(index, proxyScope(index, web));
  read(recordingIndex(index, inputs));
  return inputs;
}

describe('part inputs', () => {
  it('records DestinationRule and endpoint lookups, and finds them changed or not in a later index', () => {
    const host = 'api.default.svc.cluster.local';
    const inputs = recorded(fixture, (index) => {
      index.destinationRule('default', host);
      index.endpoints(host, 80);
    });
    expect([...inputs.rules.keys()]).toEqual([`default\u0000${host}`]);
    expect([...inputs.endpoints.keys()]).toEqual([`${host}\u000080`]);
    // The same objects in a rebuilt index: unchanged.
    expect(new PartValidator(fixtureIndex(fixture)).unchanged(web, inputs)).toBe(true);
    // A changed rule, or another endpoint of the host: changed.
    const drChanged = { ...fixture, configs: [vs, { ...dr, spec: { ...dr.spec, subsets: [] } }] };
    expect(new PartValidator(fixtureIndex(drChanged)).unchanged(web, inputs)).toBe(false);
    const moreApi = { ...fixture, workloads: [web, api, workload({ name: 'api-v2', app: 'api', version: 'v2', ip: '10.0.0.3' })] };
    expect(new PartValidator(fixtureIndex(moreApi)).unchanged(web, inputs)).toBe(false);
  });

  it('finds a replaced VirtualService of the scope, and one added anywhere only when the scope sees it', () => {
    const inputs = recorded(fixture, () => undefined);
    expect(inputs.virtualServices).toEqual([vs]);
    const replaced = { ...fixture, configs: [{ ...vs, spec: { ...vs.spec, http: [] } }, dr] };
    expect(new PartValidator(fixtureIndex(replaced)).unchanged(web, inputs)).toBe(false);
    const otherNs = { ...fixture, configs: [vs, dr, config('VirtualService', 'x', { hosts: ['x.example.com'], exportTo: ['.'] }, 'other')] };
    expect(new PartValidator(fixtureIndex(otherNs)).unchanged(web, inputs)).toBe(true);
    const seen = { ...fixture, configs: [vs, dr, config('VirtualService', 'web', { hosts: ['web'] })] };
    expect(new PartValidator(fixtureIndex(seen)).unchanged(web, inputs)).toBe(false);
  });

  it('treats a whole-list read of a recorded kind as an input (any change of the list changes it)', () => {
    const inputs = recorded(fixture, (index) => void index.configs('DestinationRule'));
    expect(inputs.lists.get('DestinationRule')).toEqual([dr]);
    expect(new PartValidator(fixtureIndex(fixture)).unchanged(web, inputs)).toBe(true);
    const another = { ...fixture, configs: [vs, dr, config('DestinationRule', 'x', { host: 'x.example.com' }, 'other')] };
    expect(new PartValidator(fixtureIndex(another)).unchanged(web, inputs)).toBe(false);
  });
});
