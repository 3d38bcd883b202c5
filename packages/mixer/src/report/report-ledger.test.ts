import { durationMs } from '@mesh/shared-api';
import type { AttrValue } from '@mesh/shared-api';
import { OTHER, ReportLedger, reportKeyOf } from './report-ledger.js';

function bag(entries: Record<string, AttrValue>): Map<string, AttrValue> {
  return new Map(Object.entries(entries));
}

const shippingV1 = bag({
  'destination.service.host': 'shipping.default.svc.cluster.local',
  'destination.labels': { app: 'shipping', version: 'v1' },
  'context.reporter.kind': 'inbound',
  'response.code': 200n,
  'response.duration': durationMs(4),
});

describe('reportKeyOf', () => {
  it('reads service, version, code and reporter kind from the attributes', () => {
    expect(reportKeyOf(shippingV1)).toEqual({
      destinationService: 'shipping.default.svc.cluster.local',
      destinationVersion: 'v1',
      responseCode: '200',
      reporterKind: 'inbound',
    });
  });

  it('falls back to the legacy destination.service and to "unknown"', () => {
    expect(reportKeyOf(bag({ 'destination.service': 'legacy.svc', 'response.code': 'oops', 'destination.labels': 'not a map' }))).toEqual({
      destinationService: 'legacy.svc',
      destinationVersion: 'unknown',
      responseCode: 'unknown',
      reporterKind: 'unknown',
    });
  });
});

describe('ReportLedger', () => {
  it('counts requests, bags and attributes per destination service', () => {
    const ledger = new ReportLedger({ now: () => new Date('2024-01-01T00:00:00Z') });
    const keys = ledger.recordReport([shippingV1, shippingV1, bag({ ...Object.fromEntries(shippingV1), 'response.code': 503n })]);
    ledger.recordReport([bag({ 'destination.service.host': 'inventory', 'response.code': 404n })]);
    ledger.recordRejected();
    expect(keys.map((k) => k.responseCode)).toEqual(['200', '200', '503']);
    expect(ledger.snapshot()).toEqual({
      reportRequests: 2,
      rejectedRequests: 1,
      attributeSets: 4,
      attributes: 17,
      lastReportAt: '2024-01-01T00:00:00.000Z',
      services: {
        inventory: { total: 1, responseCodes: { '404': 1 }, versions: { unknown: 1 }, reporters: { unknown: 1 } },
        'shipping.default.svc.cluster.local': { total: 3, responseCodes: { '200': 2, '503': 1 }, versions: { v1: 3 }, reporters: { inbound: 3 } },
      },
    });
  });

  it('stays bounded: extra services and values are counted under "(other)"', () => {
    const ledger = new ReportLedger({ maxServices: 2, maxValuesPerService: 1 });
    const keys = ledger.recordReport(['a', 'b', 'c', 'd'].map((s, i) => bag({ 'destination.service.host': s, 'response.code': BigInt(200 + i) })));
    ledger.recordReport([bag({ 'destination.service.host': 'a', 'response.code': 500n })]);
    const snap = ledger.snapshot();
    expect(Object.keys(snap.services)).toEqual([OTHER, 'a', 'b']);
    expect(snap.services[OTHER]!.total).toBe(2);
    expect(snap.services['a']!.responseCodes).toEqual({ '200': 1, [OTHER]: 1 });
    expect(keys.map((k) => k.destinationService)).toEqual(['a', 'b', OTHER, OTHER]);
  });

  it('keeps label values such as "__proto__" as plain data', () => {
    const ledger = new ReportLedger();
    ledger.recordReport([bag({ 'destination.service.host': 'x', 'destination.labels': { version: '__proto__' } })]);
    const versions = ledger.snapshot().services['x']!.versions;
    expect(Object.getOwnPropertyNames(versions)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(versions))).toEqual(JSON.parse('{"__proto__":1}'));
  });
});
