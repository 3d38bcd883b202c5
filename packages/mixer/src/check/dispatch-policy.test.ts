import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { encodeAttributes, GLOBAL_DICTIONARY } from '@mesh/shared-api';
import type { AttrValue, CheckRequestMessage, ConfigResource } from '@mesh/shared-api';
import { silentLogger } from '@mesh/runtime/testing';
import { MixerRuntime } from '../runtime/mixer-runtime.js';
import { dispatchPolicy } from './dispatch-policy.js';

const CORPUS = '/work/shared/conformance/istio';

function corpus(file: string): ConfigResource[] {
  return parseAllDocuments(fs.readFileSync(path.join(CORPUS, file), 'utf8'))
    .map((d) => d.toJSON() as ConfigResource | null)
    .filter((r): r is ConfigResource => r !== null && typeof r === 'object' && 'kind' in r)
    .map((r) => ({ ...r, metadata: { namespace: 'default', ...r.metadata } }));
}

/** A Check of a request to `app` in default, as a sidecar sends it; `quotas` as the sidecar asks. */
function checkOf(app: string, id: string, quotas: CheckRequestMessage['quotas'] = {}): { bag: Map<string, AttrValue>; request: CheckRequestMessage } {
  const bag = new Map<string, AttrValue>([
    ['destination.labels', { app }],
    ['destination.service.name', app],
    ['destination.service.namespace', 'default'],
    ['destination.namespace', 'default'],
    ['source.labels', { app: 'reviews', version: 'v1' }],
  ]);
  return { bag, request: { attributes: encodeAttributes(bag), global_word_count: GLOBAL_DICTIONARY.size, deduplication_id: id, quotas } };
}

describe('dispatchPolicy with the Bookinfo rate-limit sample (memquota, QuotaSpec, QuotaSpecBinding)', () => {
  const rt = new MixerRuntime({ logger: silentLogger(), adapterPath: [], defaultNamespace: 'istio-system', adapterSettings: {} });
  const policy = dispatchPolicy(rt, { validDurationMs: 60_000, validUseCount: 10_000 });
  beforeAll(() => rt.apply(corpus('bookinfo-policy-mixer-rule-productpage-ratelimit.yaml')));
  afterAll(() => rt.close());

  it('charges requestcountquota to Checks of the bound service that name no quota, and never lets them be cached', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const { bag, request } = checkOf('productpage', `p${i}`);
      answers.push(await policy(bag, request));
    }
    expect(answers.map((a) => a.precondition.status)).toEqual([
      { code: 0, message: '' },
      { code: 0, message: '' },
      { code: 8, message: 'Quota is exhausted for: requestcountquota' },
    ]);
    expect(answers.map((a) => a.quotas['requestcountquota']?.granted_amount)).toEqual(['1', '1', '0']);
    for (const a of answers) {
      expect(a.precondition.valid_use_count).toBe(0);
      expect(a.precondition.valid_duration).toEqual({ seconds: '0', nanos: 0 });
    }
  });

  it('does not charge services the binding does not name (their answers stay cacheable)', async () => {
    for (let i = 0; i < 4; i++) {
      const { bag, request } = checkOf('details', `d${i}`);
      const a = await policy(bag, request);
      expect(a.precondition.status.code).toBe(0);
      expect(a.quotas).toEqual({});
      expect(a.precondition.valid_use_count).toBe(10_000);
    }
  });

  it('leaves a Check that names its own quotas to the client (Istio: the sidecar decides)', async () => {
    const { bag, request } = checkOf('productpage', 'own', { otherquota: { amount: '1', best_effort: true } });
    const a = await policy(bag, request);
    // The bound quota is exhausted by now, yet it is not charged: only what the client asked for.
    expect(a.precondition.status.code).toBe(0);
    expect(Object.keys(a.quotas)).toEqual(['otherquota']);
    expect(a.precondition.valid_use_count).toBe(10_000);
  });
});
