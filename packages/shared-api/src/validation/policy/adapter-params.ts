import type { JsonSchema } from '../../schemas/common.js';
import { ADAPTER_PARAMS } from '../../schemas/policy/adapters.js';
import { at, durationMs, type Findings, ipOrCidrProblem, normalize } from '../security/fields.js';
import { checkAgainstSchema } from './params.js';

/*
 * The params checks of Istio 1.4's compiled-in adapters that Mixer implements (each adapter's
 * builder Validate()), applied to a handler's `params` and to the legacy per-adapter kinds.
 */

type Params = Record<string, unknown>;
type Check = (p: Params, path: string, f: Findings) => void;

const list = (v: unknown): Params[] => (Array.isArray(v) ? (v as Params[]) : []);
const ms = (v: unknown): number | undefined => (typeof v === 'string' ? durationMs(v) : undefined);
const is = (v: unknown, name: string, index: number): boolean => v === name || v === index;

function checkBuckets(b: Params | undefined, path: string, f: Findings): void {
  if (!b) {
    f.error(path, 'a DISTRIBUTION metric needs buckets (linearBuckets, exponentialBuckets or explicitBuckets)');
    return;
  }
  const linear = b['linearBuckets'] as Params | undefined;
  const exp = b['exponentialBuckets'] as Params | undefined;
  const explicit = b['explicitBuckets'] as Params | undefined;
  if (linear) {
    if (!((linear['numFiniteBuckets'] as number) > 0)) f.error(at(at(path, 'linearBuckets'), 'numFiniteBuckets'), 'must be greater than 0');
    if (!((linear['width'] as number) > 0)) f.error(at(at(path, 'linearBuckets'), 'width'), 'must be greater than 0');
  } else if (exp) {
    if (!((exp['numFiniteBuckets'] as number) > 0)) f.error(at(at(path, 'exponentialBuckets'), 'numFiniteBuckets'), 'must be greater than 0');
    if (!((exp['growthFactor'] as number) > 1)) f.error(at(at(path, 'exponentialBuckets'), 'growthFactor'), 'must be greater than 1');
    if (!((exp['scale'] as number) > 0)) f.error(at(at(path, 'exponentialBuckets'), 'scale'), 'must be greater than 0');
  } else if (explicit) {
    const bounds = (explicit['bounds'] as number[] | undefined) ?? [];
    if (bounds.length === 0) f.error(at(at(path, 'explicitBuckets'), 'bounds'), 'must list at least one bound');
    if (bounds.some((x, i) => i > 0 && x <= bounds[i - 1]!)) f.error(at(at(path, 'explicitBuckets'), 'bounds'), 'must be strictly increasing');
  } else {
    f.error(path, 'set one of linearBuckets, exponentialBuckets or explicitBuckets');
  }
}

const prometheus: Check = (p, path, f) => {
  const names = new Set<string>();
  list(p['metrics']).forEach((m, i) => {
    const mp = at(at(path, 'metrics'), i);
    if (!m['instanceName']) f.error(at(mp, 'instanceName'), 'must name the metric instance this entry exports (name.namespace of an instance)');
    const name = (m['name'] as string | undefined) || (m['instanceName'] as string | undefined);
    const fullName = `${(m['namespace'] as string | undefined) ?? 'istio'}_${name ?? ''}`;
    if (name && names.has(fullName)) f.error(at(mp, 'name'), `another metric already uses the Prometheus name "${fullName}"`);
    names.add(fullName);
    if (m['kind'] === undefined || is(m['kind'], 'UNSPECIFIED', 0)) f.error(at(mp, 'kind'), 'must be GAUGE, COUNTER or DISTRIBUTION');
    if (is(m['kind'], 'DISTRIBUTION', 3)) checkBuckets(m['buckets'] as Params | undefined, at(mp, 'buckets'), f);
  });
  const policy = p['metricsExpirationPolicy'] as Params | undefined;
  if (policy) {
    const expiry = ms(policy['metricsExpiryDuration']);
    if (!(expiry !== undefined && expiry > 0)) f.error(at(at(path, 'metricsExpirationPolicy'), 'metricsExpiryDuration'), 'must be a duration greater than 0');
  }
};

const stdio: Check = (p, path, f) => {
  if ((is(p['logStream'], 'FILE', 2) || is(p['logStream'], 'ROTATED_FILE', 3)) && !p['outputPath']) {
    f.error(at(path, 'outputPath'), 'logStream FILE and ROTATED_FILE need an output path');
  }
  for (const k of ['maxMegabytesBeforeRotation', 'maxDaysBeforeRotation', 'maxRotatedFiles']) {
    if (typeof p[k] === 'number' && (p[k] as number) < 0) f.error(at(path, k), 'must not be negative');
  }
};

const denier: Check = (p, path, f) => {
  if (typeof p['validUseCount'] === 'number' && (p['validUseCount'] as number) < 0) f.error(at(path, 'validUseCount'), 'must not be negative');
};

const listchecker: Check = (p, path, f) => {
  const url = p['providerUrl'];
  if (typeof url === 'string' && url !== '') {
    let ok = false;
    try {
      ok = new URL(url).host !== '';
    } catch {
      ok = false;
    }
    if (!ok) f.error(at(path, 'providerUrl'), `"${url}" must be an absolute URL with a scheme and host`);
  }
  const refresh = ms(p['refreshInterval']) ?? 0;
  const ttl = ms(p['ttl']);
  if (url && ttl !== undefined && ttl <= refresh) f.error(at(path, 'ttl'), 'must be longer than refreshInterval');
  if (typeof p['cachingUseCount'] === 'number' && (p['cachingUseCount'] as number) < 0) f.error(at(path, 'cachingUseCount'), 'must not be negative');
  const overrides = (p['overrides'] as string[] | undefined) ?? [];
  overrides.forEach((o, i) => {
    if (is(p['entryType'], 'IP_ADDRESSES', 2)) {
      const problem = ipOrCidrProblem(o);
      if (problem) f.error(at(at(path, 'overrides'), i), `${problem}; entryType IP_ADDRESSES takes IP addresses and CIDR blocks`);
    } else if (is(p['entryType'], 'REGEX', 3)) {
      try {
        new RegExp(o);
      } catch (e) {
        f.error(at(at(path, 'overrides'), i), `is not a valid regular expression (${(e as Error).message})`);
      }
    }
  });
};

const memquota: Check = (p, path, f) => {
  const dedup = p['minDeduplicationDuration'];
  if (dedup !== undefined && !((ms(dedup) ?? 0) > 0)) f.error(at(path, 'minDeduplicationDuration'), 'must be a duration greater than 0');
  const names = new Set<string>();
  list(p['quotas']).forEach((q, i) => {
    const qp = at(at(path, 'quotas'), i);
    if (!q['name']) f.error(at(qp, 'name'), 'must name the quota instance it limits');
    else if (names.has(q['name'] as string)) f.error(at(qp, 'name'), `quota "${q['name'] as string}" is defined twice`);
    names.add(q['name'] as string);
    if (typeof q['maxAmount'] === 'number' && (q['maxAmount'] as number) < 0) f.error(at(qp, 'maxAmount'), 'must not be negative');
    list(q['overrides']).forEach((o, j) => {
      if (typeof o['maxAmount'] === 'number' && (o['maxAmount'] as number) < 0) f.error(at(at(at(qp, 'overrides'), j), 'maxAmount'), 'must not be negative');
    });
  });
};

const redisquota: Check = (p, path, f) => {
  if (!p['redisServerUrl']) f.error(at(path, 'redisServerUrl'), 'must be the Redis server address (host:port)');
  if (typeof p['connectionPoolSize'] === 'number' && (p['connectionPoolSize'] as number) < 0) f.error(at(path, 'connectionPoolSize'), 'must not be negative');
  list(p['quotas']).forEach((q, i) => {
    const qp = at(at(path, 'quotas'), i);
    if (!q['name']) f.error(at(qp, 'name'), 'must name the quota instance it limits');
    const valid = ms(q['validDuration']) ?? 0;
    if (valid <= 0) f.error(at(qp, 'validDuration'), 'must be a duration greater than 0 (the quota window)');
    if (is(q['rateLimitAlgorithm'], 'ROLLING_WINDOW', 1)) {
      const bucket = ms(q['bucketDuration']) ?? 0;
      if (bucket <= 0) f.error(at(qp, 'bucketDuration'), 'ROLLING_WINDOW needs a bucketDuration greater than 0');
      else if (valid > 0 && bucket >= valid) f.error(at(qp, 'bucketDuration'), 'must be shorter than validDuration');
    }
    list(q['overrides']).forEach((o, j) => {
      const op = at(at(qp, 'overrides'), j);
      if (!((o['maxAmount'] as number) > 0)) f.error(at(op, 'maxAmount'), 'must be greater than 0');
      if (Object.keys((o['dimensions'] as Params | undefined) ?? {}).length === 0) f.error(at(op, 'dimensions'), 'must list the dimensions this override applies to');
    });
  });
};

const CHECKS: Readonly<Record<string, Check>> = { prometheus, stdio, denier, listchecker, memquota, redisquota };

/**
 * Checks a compiled-in adapter's params (schema, then the adapter's own rules). `schemaChecked`
 * skips the schema when ajv already ran it (the legacy per-adapter kinds). Unknown adapters pass.
 */
export function checkAdapterParams(adapter: string, params: unknown, path: string, f: Findings, schemaChecked = false): void {
  const schema: JsonSchema | undefined = ADAPTER_PARAMS[adapter];
  const check = CHECKS[adapter];
  if (!schema || !check) return;
  if (!schemaChecked && !checkAgainstSchema(params ?? {}, schema, path, f)) return;
  check(normalize<Params>(params ?? {}, schema, f, path), path, f);
}
