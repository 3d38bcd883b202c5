import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AttributeMap, AttrValue, ConfigResource } from '@mesh/shared-api';
import { buildQuotaBindings } from './quota-specs.js';

const CORPUS = '/work/shared/conformance/istio';

function corpus(file: string): ConfigResource[] {
  return parseAllDocuments(fs.readFileSync(path.join(CORPUS, file), 'utf8'))
    .map((d) => d.toJSON() as ConfigResource | null)
    .filter((r): r is ConfigResource => r !== null && typeof r === 'object' && 'kind' in r);
}

const bag = (entries: Record<string, AttrValue>): AttributeMap => new Map(Object.entries(entries));
const to = (name: string, namespace = 'default', extra: Record<string, AttrValue> = {}): AttributeMap =>
  bag({ 'destination.service.name': name, 'destination.service.namespace': namespace, 'destination.service.host': `${name}.${namespace}.svc.cluster.local`, ...extra });

const res = (kind: string, name: string, namespace: string, spec: object): ConfigResource => ({ apiVersion: 'config.istio.io/v1alpha2', kind, metadata: { name, namespace }, spec }) as ConfigResource;

describe('QuotaSpec + QuotaSpecBinding', () => {
  it('charges the Bookinfo rate-limit sample\'s quota to productpage only', () => {
    const problems: string[] = [];
    const b = buildQuotaBindings(corpus('bookinfo-policy-mixer-rule-productpage-ratelimit.yaml'), problems);
    expect(problems).toEqual([]);
    expect(b.size).toBe(1);
    expect(b.quotasFor(to('productpage'))).toEqual([{ quota: 'requestcountquota', charge: 1 }]);
    expect(b.quotasFor(to('ratings'))).toEqual([]);
    expect(b.quotasFor(to('productpage', 'other'))).toEqual([]);
    // Only the host known (a TCP or outbound bag): matched as name.namespace.svc.<domain>.
    expect(b.quotasFor(bag({ 'destination.service.host': 'productpage.default.svc.cluster.local' }))).toEqual([{ quota: 'requestcountquota', charge: 1 }]);
    expect(b.quotasFor(bag({}))).toEqual([]);
  });

  it('applies a spec rule only when one of its matches holds (exact, prefix, regex; map keys)', () => {
    const b = buildQuotaBindings([
      ...corpus('validation-1.4-config-v1alpha2-quotaspec-valid.yaml').map((r) => ({ ...r, metadata: { ...r.metadata, name: 'bookinfo', namespace: 'default' } })),
      res('QuotaSpec', 'writes', 'default', {
        rules: [
          { match: [{ clause: { 'request.method': { exact: 'POST' }, 'request.path': { prefix: '/api/' } } }, { clause: { 'request.headers[x-tenant]': { regex: 'gold|silver' } } }], quotas: [{ quota: 'write-requests', charge: 3 }] },
          { quotas: [{ quota: 'all-requests' }] },
        ],
      }),
      res('QuotaSpecBinding', 'bind', 'default', { quotaSpecs: [{ name: 'bookinfo' }, { name: 'writes' }], services: [{ name: 'bookinfo' }] }),
    ]);
    expect(b.quotasFor(to('bookinfo', 'default', { 'api.operation': 'getProducts' }))).toEqual([{ quota: 'read-requests', charge: 1 }, { quota: 'all-requests', charge: 1 }]);
    expect(b.quotasFor(to('bookinfo', 'default', { 'request.method': 'POST', 'request.path': '/api/x' }))).toEqual([{ quota: 'write-requests', charge: 3 }, { quota: 'all-requests', charge: 1 }]);
    // Both clauses of one match must hold.
    expect(b.quotasFor(to('bookinfo', 'default', { 'request.method': 'POST', 'request.path': '/web' }))).toEqual([{ quota: 'all-requests', charge: 1 }]);
    expect(b.quotasFor(to('bookinfo', 'default', { 'request.headers': { 'x-tenant': 'gold' } }))).toEqual([{ quota: 'write-requests', charge: 3 }, { quota: 'all-requests', charge: 1 }]);
    // A regex is a full match.
    expect(b.quotasFor(to('bookinfo', 'default', { 'request.headers': { 'x-tenant': 'golden' } }))).toEqual([{ quota: 'all-requests', charge: 1 }]);
  });

  it('binds every service with service "*", services by FQDN, and reports unknown specs', () => {
    const problems: string[] = [];
    const spec = res('QuotaSpec', 'rc', 'istio-system', { rules: [{ quotas: [{ quota: 'rq', charge: 2 }] }] });
    const all = buildQuotaBindings([spec, res('QuotaSpecBinding', 'all', 'istio-system', { quotaSpecs: [{ name: 'rc' }, { name: 'missing' }], services: [{ service: '*' }] })], problems);
    expect(all.quotasFor(to('anything', 'ns1'))).toEqual([{ quota: 'rq', charge: 2 }]);
    expect(problems).toEqual(['QuotaSpecBinding all.istio-system: QuotaSpec "missing.istio-system" does not exist']);
    const fqdn = buildQuotaBindings([spec, res('QuotaSpecBinding', 'one', 'default', { quotaSpecs: [{ name: 'rc', namespace: 'istio-system' }], services: [{ service: 'ratings.default.svc.cluster.local' }] })]);
    expect(fqdn.quotasFor(to('ratings'))).toEqual([{ quota: 'rq', charge: 2 }]);
    expect(fqdn.quotasFor(to('reviews'))).toEqual([]);
    // Two bindings of the same spec to one service charge it once.
    const twice = buildQuotaBindings([spec, ...['a', 'b'].map((n) => res('QuotaSpecBinding', n, 'istio-system', { quotaSpecs: [{ name: 'rc' }], services: [{ name: 'ratings', namespace: 'default' }] }))]);
    expect(twice.quotasFor(to('ratings'))).toEqual([{ quota: 'rq', charge: 2 }]);
  });
});
