import { validateResource } from '../../config/validate.js';

const handler = (compiledAdapter: string, params: unknown) => ({
  apiVersion: 'config.istio.io/v1alpha2',
  kind: 'handler',
  metadata: { name: 'h', namespace: 'istio-system' },
  spec: { compiledAdapter, params },
});
const legacy = (kind: string, spec: unknown) => ({ apiVersion: 'config.istio.io/v1alpha2', kind, metadata: { name: 'h', namespace: 'istio-system' }, spec });

function errorsOf(input: unknown): unknown[] {
  const r = validateResource(input);
  return r.ok ? [] : r.errors;
}

const metric = (extra: Record<string, unknown>) => ({ metrics: [{ name: 'm', instance_name: 'm.metric.istio-system', kind: 'COUNTER', ...extra }] });

describe('adapter params (Istio 1.4 adapters Mixer implements)', () => {
  it.each([
    ['prometheus with explicit buckets', handler('prometheus', metric({ kind: 'DISTRIBUTION', buckets: { explicit_buckets: { bounds: [0.1, 1, 10] } } }))],
    ['prometheus with exponential buckets', handler('prometheus', metric({ kind: 3, buckets: { exponentialBuckets: { numFiniteBuckets: 8, scale: 1, growthFactor: 10 } } }))],
    ['stdio with severity levels by number', handler('stdio', { severity_levels: { warning: 1 }, outputAsJson: true })],
    ['denier', handler('denier', { status: { code: 7, message: 'Not allowed' } })],
    ['listchecker with IP overrides', handler('listchecker', { overrides: ['10.57.0.0/16'], entryType: 'IP_ADDRESSES', blacklist: true })],
    ['memquota', handler('memquota', { quotas: [{ name: 'q.quota.istio-system', maxAmount: 500, validDuration: '1s', overrides: [{ dimensions: { a: 'b' }, maxAmount: 1 }] }] })],
    ['redisquota rolling window', handler('redisquota', { redisServerUrl: 'redis:6379', quotas: [{ name: 'q', maxAmount: 500, validDuration: '1s', bucketDuration: '500ms', rateLimitAlgorithm: 'ROLLING_WINDOW' }] })],
    ['a legacy prometheus kind', legacy('prometheus', metric({}))],
    ['an adapter without params schema', handler('fluentd', { address: 'fluentd:24224' })],
  ])('accepts %s', (_, input) => {
    expect(validateResource(input)).toMatchObject({ ok: true });
  });

  it.each([
    [handler('prometheus', { metrics: [{ name: 'm', kind: 'COUNTER' }] }), 'spec.params.metrics[0].instanceName', 'must name the metric instance'],
    [handler('prometheus', metric({ kind: 'UNSPECIFIED' })), 'spec.params.metrics[0].kind', 'must be GAUGE, COUNTER or DISTRIBUTION'],
    [handler('prometheus', metric({ kind: 'HISTOGRAM' })), 'spec.params.metrics[0].kind', 'must be one of UNSPECIFIED, GAUGE, COUNTER, DISTRIBUTION'],
    [handler('prometheus', metric({ kind: 'DISTRIBUTION' })), 'spec.params.metrics[0].buckets', 'needs buckets'],
    [handler('prometheus', metric({ kind: 'DISTRIBUTION', buckets: { explicitBuckets: { bounds: [2, 1] } } })), 'spec.params.metrics[0].buckets.explicitBuckets.bounds', 'strictly increasing'],
    [handler('prometheus', metric({ kind: 'DISTRIBUTION', buckets: { linearBuckets: { numFiniteBuckets: 0, width: 1 } } })), 'spec.params.metrics[0].buckets.linearBuckets.numFiniteBuckets', 'greater than 0'],
    [handler('prometheus', metric({ kind: 'DISTRIBUTION', buckets: { exponentialBuckets: { numFiniteBuckets: 2, scale: 1, growthFactor: 1 } } })), 'spec.params.metrics[0].buckets.exponentialBuckets.growthFactor', 'greater than 1'],
    [handler('prometheus', metric({ kind: 'DISTRIBUTION', buckets: { linearBuckets: { numFiniteBuckets: 1, width: 1 }, explicitBuckets: { bounds: [1] } } })), 'spec.params.metrics[0].buckets.explicitBuckets', 'set only one of'],
    [handler('prometheus', { metrics: [...metric({}).metrics, ...metric({}).metrics] }), 'spec.params.metrics[1].name', 'already uses the Prometheus name "istio_m"'],
    [handler('prometheus', { metricsExpirationPolicy: { metricsExpiryDuration: '0s' } }), 'spec.params.metricsExpirationPolicy.metricsExpiryDuration', 'greater than 0'],
    [handler('prometheus', { metric: [] }), 'spec.params.metric', 'unknown field (check its spelling against the adapter or template)'],
    [handler('stdio', { logStream: 'FILE' }), 'spec.params.outputPath', 'need an output path'],
    [handler('stdio', { severity_levels: { warning: 'LOUD' } }), 'spec.params.severity_levels.warning', 'must be one of INFO, WARNING, ERROR'],
    [handler('listchecker', { overrides: ['10.0.0.0/40'], entryType: 'IP_ADDRESSES' }), 'spec.params.overrides[0]', 'bad prefix length'],
    [handler('listchecker', { overrides: ['('], entryType: 'REGEX' }), 'spec.params.overrides[0]', 'not a valid regular expression'],
    [handler('listchecker', { providerUrl: 'nohost' }), 'spec.params.providerUrl', 'absolute URL'],
    [handler('listchecker', { providerUrl: 'http://lists', refreshInterval: '10s', ttl: '5s' }), 'spec.params.ttl', 'longer than refreshInterval'],
    [handler('memquota', { minDeduplicationDuration: '0s' }), 'spec.params.minDeduplicationDuration', 'greater than 0'],
    [handler('memquota', { quotas: [{ name: 'a' }, { name: 'a' }] }), 'spec.params.quotas[1].name', 'defined twice'],
    [handler('memquota', { quotas: [{ maxAmount: 1 }] }), 'spec.params.quotas[0].name', 'must name the quota'],
    [handler('memquota', { quotas: [{ name: 'a', validDuration: 'soon' }] }), 'spec.params.quotas[0].validDuration', 'must be a duration'],
    [handler('redisquota', { quotas: [] }), 'spec.params.redisServerUrl', 'Redis server address'],
    [handler('redisquota', { redisServerUrl: 'r:1', quotas: [{ name: 'q', maxAmount: 1 }] }), 'spec.params.quotas[0].validDuration', 'greater than 0'],
    [handler('redisquota', { redisServerUrl: 'r:1', quotas: [{ name: 'q', validDuration: '1s', rateLimitAlgorithm: 'ROLLING_WINDOW' }] }), 'spec.params.quotas[0].bucketDuration', 'needs a bucketDuration'],
    [handler('redisquota', { redisServerUrl: 'r:1', quotas: [{ name: 'q', validDuration: '1s', bucketDuration: '2s', rateLimitAlgorithm: 'ROLLING_WINDOW' }] }), 'spec.params.quotas[0].bucketDuration', 'shorter than validDuration'],
    [handler('redisquota', { redisServerUrl: 'r:1', quotas: [{ name: 'q', validDuration: '1s', overrides: [{ maxAmount: 0 }] }] }), 'spec.params.quotas[0].overrides[0].maxAmount', 'greater than 0'],
    [legacy('redisquota', { quotas: [] }), 'spec.redisServerUrl', 'Redis server address'],
    [legacy('stdio', { outputAsJSON: true }), 'spec.outputAsJSON', 'unknown field'],
  ])('rejects %j at %s', (input, field, message) => {
    expect(errorsOf(input)).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});
