import * as grpc from '@grpc/grpc-js';
import { durationMs, encodeAttributes, encodeReportRequest, GLOBAL_WORDS, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { AttributeRecord, CheckRequestMessage, CheckResponseMessage, ReportRequestMessage } from '@mesh/shared-api';
import { startTestMixer } from '../testing/index.js';
import type { RunningMixer } from '../start-mixer.js';

type MixerClient = grpc.Client & {
  Report(req: ReportRequestMessage, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: object) => void): void;
  Check(req: CheckRequestMessage, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: CheckResponseMessage) => void): void;
};

function call<Req, Res>(client: MixerClient, method: 'Report' | 'Check', request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as (req: Req, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;
    fn.call(client, request, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}

function request(service: string, code: bigint, version = 'v1'): AttributeRecord {
  return {
    'destination.service.host': service,
    'destination.labels': { app: service.split('.')[0]!, version },
    'context.reporter.kind': 'inbound',
    'request.path': '/api',
    'response.code': code,
    'response.duration': durationMs(2.5),
  };
}

describe('Mixer gRPC service', () => {
  let mixer: RunningMixer;
  let client: MixerClient;

  beforeAll(async () => {
    mixer = await startTestMixer();
    const pkg = grpc.loadPackageDefinition(loadMixerPackageDefinition()) as unknown as { istio: { mixer: { v1: { Mixer: grpc.ServiceClientConstructor } } } };
    client = new pkg.istio.mixer.v1.Mixer(`127.0.0.1:${mixer.grpcPort}`, grpc.credentials.createInsecure()) as unknown as MixerClient;
  });

  afterAll(async () => {
    client.close();
    await mixer.stop();
  });

  it('counts a delta-encoded Report per destination service and response code', async () => {
    const bags = [
      request('shipping.default.svc.cluster.local', 200n),
      request('shipping.default.svc.cluster.local', 200n, 'v2'),
      request('shipping.default.svc.cluster.local', 503n, 'v2'),
      request('inventory.default.svc.cluster.local', 200n),
    ];
    const req = encodeReportRequest(bags);
    expect(req.repeated_attributes_semantics).toBe('DELTA_ENCODING');
    await expect(call(client, 'Report', req)).resolves.toEqual({});

    const services = mixer.ledger.snapshot().services;
    expect(services['shipping.default.svc.cluster.local']).toEqual({
      total: 3,
      responseCodes: { '200': 2, '503': 1 },
      versions: { v1: 1, v2: 2 },
      reporters: { inbound: 3 },
    });
    expect(services['inventory.default.svc.cluster.local']?.responseCodes).toEqual({ '200': 1 });
  });

  it('serves the ledger on GET /debug/reports and the counters on /metrics', async () => {
    const debug = (await (await fetch(`http://127.0.0.1:${mixer.adminPort}/debug/reports`)).json()) as { reportRequests: number; attributeSets: number };
    expect(debug.reportRequests).toBeGreaterThanOrEqual(1);
    expect(debug.attributeSets).toBeGreaterThanOrEqual(4);
    const metrics = await (await fetch(`http://127.0.0.1:${mixer.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/mixer_report_requests_total\{outcome="ok"\} \d+/);
    expect(metrics).toMatch(/mixer_report_attributes_total \d+/);
    expect(metrics).toContain('mixer_reported_requests_total{destination_service="shipping.default.svc.cluster.local",response_code="503"} 1');
  });

  it('refuses a Report using a larger global dictionary with INVALID_ARGUMENT', async () => {
    const req = encodeReportRequest([request('a', 200n)]);
    req.global_word_count = GLOBAL_WORDS.length + 10;
    await expect(call(client, 'Report', req)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining(`request uses ${GLOBAL_WORDS.length + 10} global words, this Mixer knows ${GLOBAL_WORDS.length}`),
    });
  });

  it('refuses a Report with an index outside the dictionaries with INVALID_ARGUMENT, and keeps serving', async () => {
    const before = mixer.ledger.snapshot();
    const req = encodeReportRequest([request('a', 200n)]);
    req.attributes![0]!.strings = { '-40': 3 };
    await expect(call(client, 'Report', req)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('word index -40') });
    const after = mixer.ledger.snapshot();
    expect(after.rejectedRequests).toBe(before.rejectedRequests + 1);
    expect(after.attributeSets).toBe(before.attributeSets);
    await expect(call(client, 'Report', encodeReportRequest([request('a', 200n)]))).resolves.toEqual({});
  });

  it('answers Check with OK, 60 s / 10000 uses, nothing referenced, and quotas as asked', async () => {
    const req: CheckRequestMessage = {
      attributes: encodeAttributes(request('shipping', 200n)),
      global_word_count: GLOBAL_WORDS.length,
      deduplication_id: 'abc',
      quotas: { requestcount: { amount: 3, best_effort: false } },
    };
    const res = await call<CheckRequestMessage, CheckResponseMessage>(client, 'Check', req);
    expect(res.precondition.status.code).toBe(0);
    expect(res.precondition.valid_duration).toEqual({ seconds: '60', nanos: 0 });
    expect(res.precondition.valid_use_count).toBe(10000);
    expect(res.precondition.referenced_attributes).toEqual({ words: [], attribute_matches: [] });
    expect(res.quotas['requestcount']).toMatchObject({ granted_amount: '3', valid_duration: { seconds: '60', nanos: 0 } });
  });

  it('refuses a Check with a larger global dictionary with INVALID_ARGUMENT', async () => {
    const req: CheckRequestMessage = { attributes: encodeAttributes({}), global_word_count: 9999 };
    await expect(call(client, 'Check', req)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });
});
