import fs from 'node:fs';
import path from 'node:path';
import { clusterRows, endpointRows, formatProxyConfig, listenerRows, proxyConfigData, proxyConfigKind, routeRows, secretRows } from './proxy-config.js';
import type { SidecarConfigDump } from './proxy-config.js';

/** A real /config_dump of the demo's booking-v1 sidecar (90/10 canary applied). */
const dump = JSON.parse(fs.readFileSync(path.join(__dirname, 'testdata', 'booking-config-dump.json'), 'utf8')) as SidecarConfigDump;

describe('proxy-config', () => {
  it('lists each listener filter chain with its destination', () => {
    expect(listenerRows(dump)).toEqual([
      ['0.0.0.0_80', '0.0.0.0', '80', 'ALL', 'HTTP', 'Route: 80'],
      ['virtualInbound', '0.0.0.0', '15006', '27258', 'HTTP', 'Inline Route: inbound|80||booking-service.default.svc.cluster.local'],
    ]);
  });

  it('lists routes of RDS and inline route configurations, with weighted destinations', () => {
    const rows = routeRows(dump);
    expect(rows[0]).toEqual([
      '80',
      'shipping-service.default.svc.cluster.local:80',
      'shipping-service.default.svc.cluster.local + 9 more',
      '/*',
      'outbound|80|v1|shipping-service.default.svc.cluster.local 90%, outbound|80|v2|shipping-service.default.svc.cluster.local 10%',
    ]);
    expect(rows.at(-1)).toEqual(['inbound|80||booking-service.default.svc.cluster.local', 'inbound|http|80', '*', '/*', 'inbound|80||booking-service.default.svc.cluster.local']);
  });

  it('splits Istio cluster names into service, port, subset and direction', () => {
    expect(clusterRows(dump)).toContainEqual(['shipping-service.default.svc.cluster.local', '80', 'v2', 'outbound', 'EDS']);
    expect(clusterRows(dump)).toContainEqual(['booking-service.default.svc.cluster.local', '80', '-', 'inbound', 'STATIC']);
  });

  it('lists every endpoint with its cluster', () => {
    expect(endpointRows(dump)).toContainEqual(['127.0.0.1:31080', 'HEALTHY', '1', 'outbound|80|v2|shipping-service.default.svc.cluster.local']);
    expect(endpointRows(dump)).toHaveLength(6);
  });

  it('shows the workload certificate as a secret, expired or still warming up when it is', () => {
    const certs = { identity: 'spiffe://cluster.local/ns/default/sa/booking', serial: 'AB12', notAfter: '2030-01-01T00:00:00.000Z', rotations: 1 };
    expect(secretRows(certs, Date.parse('2029-01-01'))).toEqual([['default', 'Cert Chain', 'ACTIVE', 'true', 'AB12', '2030-01-01T00:00:00.000Z', certs.identity]]);
    expect(secretRows(certs, Date.parse('2031-01-01'))[0]!.slice(2, 4)).toEqual(['EXPIRED', 'false']);
    expect(secretRows({ identity: certs.identity, rotations: 0 })[0]![2]).toBe('WARMING');
    expect(secretRows(undefined)).toEqual([]);
  });

  it('renders a table with a header, and gives scripts the raw resources', () => {
    expect(formatProxyConfig('clusters', dump).split('\n')[0]).toMatch(/^SERVICE FQDN\s+PORT\s+SUBSET\s+DIRECTION\s+TYPE$/);
    expect((proxyConfigData('routes', dump) as Array<{ name: string }>).map((r) => r.name)).toEqual(['80']);
  });

  it.each([
    ['cluster', 'clusters'],
    ['ep', 'endpoints'],
    ['Listeners', 'listeners'],
    ['secret', 'secrets'],
    ['bogus', undefined],
  ])('reads the kind %s as %s', (name, kind) => expect(proxyConfigKind(name)).toBe(kind));
});
