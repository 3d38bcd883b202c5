import { decodeReportRequest, encodeReportRequest } from '@mesh/shared-api';
import type { RequestInfo } from '../proxy/observer.js';
import { MixerObserver, requestAttributes } from './request-attributes.js';

const info: RequestInfo = {
  direction: 'outbound',
  source: { service: 'booking-service', namespace: 'default', workload: 'booking-v1', app: 'booking-service', version: 'v1', serviceAccount: 'booking' },
  destination: { service: 'shipping-service', namespace: 'default', workload: 'shipping-v2', app: 'shipping-service', version: 'v2', serviceAccount: 'shipping' },
  host: 'shipping-service',
  method: 'GET',
  path: '/api/v1/shipping/quote?fast=1',
  protocol: 'http',
  status: 200,
  responseFlags: [],
  startTime: new Date('2026-11-23T10:00:00.000Z'),
  durationMs: 4,
  requestBytes: 0,
  responseBytes: 93,
  cluster: 'outbound|80|v2|shipping-service.default.svc.cluster.local',
  requestId: 'r-1',
};

describe('requestAttributes', () => {
  const reporter = { uid: 'kubernetes://booking-v1.default', domainSuffix: 'cluster.local' };

  it("maps a finished request to Istio 1.4's attribute vocabulary", () => {
    const bag = requestAttributes(info, reporter);
    expect(bag).toMatchObject({
      'context.reporter.kind': 'outbound',
      'context.reporter.uid': 'kubernetes://booking-v1.default',
      'request.url_path': '/api/v1/shipping/quote',
      'request.method': 'GET',
      'response.code': 200n,
      'response.size': 93n,
      'destination.service.host': 'shipping-service.default.svc.cluster.local',
      'destination.labels': { app: 'shipping-service', version: 'v2' },
      'source.principal': 'cluster.local/ns/default/sa/booking',
      'context.proxy_error_code': '-',
    });
    expect(Object.values(bag)).not.toContain(undefined);
  });

  it('survives the Report wire encoding unchanged', () => {
    const bags = [requestAttributes(info, reporter), requestAttributes({ ...info, status: 503, responseFlags: ['UH'] }, reporter)];
    const decoded = decodeReportRequest(encodeReportRequest(bags));
    expect(decoded.ok).toBe(true);
    const second = decoded.ok ? decoded.bags[1]! : new Map();
    expect(second.get('response.code')).toBe(503n);
    expect(second.get('context.proxy_error_code')).toBe('UH');
    expect(second.get('destination.service.host')).toBe('shipping-service.default.svc.cluster.local');
  });

  it('hands each finished request to the reporter', () => {
    const seen: unknown[] = [];
    new MixerObserver({ report: (b) => void seen.push(b) }, reporter, 'cluster.local').onRequestComplete(info);
    expect(seen).toHaveLength(1);
  });
});
