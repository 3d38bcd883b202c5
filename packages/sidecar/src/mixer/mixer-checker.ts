import { randomUUID } from 'node:crypto';
import { encodeAttributes, GLOBAL_DICTIONARY } from '@mesh/shared-api';
import type { AttrValue, CheckRequestMessage, GlobalDictionary } from '@mesh/shared-api';
import { CheckCache, decodeReferenced } from './check-cache.js';
import { MixerCheckClient } from './mixer-check-client.js';
import { RateLimitedLog } from './rate-limited-log.js';
import type { ReporterLogger } from './mixer-reporter.js';

/** What the proxy does with a request after Check: forward it, or answer locally. */
export type PolicyDecision = { allow: true } | { allow: false; status: number; flag: string; body: string };

/** A quota to request on every Check (Istio's QuotaSpec: name and charge). */
export interface QuotaCharge {
  readonly name: string;
  readonly charge: number;
}

/** Options of a {@link MixerChecker}. */
export interface MixerCheckerOptions {
  address: string;
  logger: ReporterLogger;
  /** When Mixer cannot be reached: true allows the request, false (Istio's default for policy) answers 503. */
  failOpen?: boolean;
  /** Deadline of one Check call (ms). Default 1000. */
  timeoutMs?: number;
  /** Quotas requested on every Check; requests with quotas are never answered from the cache. */
  quotas?: readonly QuotaCharge[];
  cacheMaxEntries?: number;
  dictionary?: GlobalDictionary;
  /** Clock (tests). */
  now?: () => number;
}

/** Counters of a {@link MixerChecker}. */
export interface MixerCheckerStats {
  checks: number;
  cacheHits: number;
  denied: number;
  quotaExhausted: number;
  mixerUnavailable: number;
  cacheEntries: number;
}

const CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
const HTTP_OF_CODE = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

/** Envoy's HTTP status for a google.rpc.Code, and Istio's `CODE:message` body. */
export function denial(code: number, message: string): PolicyDecision {
  return { allow: false, status: HTTP_OF_CODE[code] ?? 500, flag: 'UAEX', body: `${CODE_NAMES[code] ?? 'UNKNOWN'}:${message}` };
}

/**
 * The sidecar's Check client: the request's attributes → cached answer, or a Check call to Mixer
 * (compressed attributes, a deduplication id, the configured quotas) → an answer cached by the
 * attributes Mixer referenced for its valid duration and use count. Mixer unreachable: allowed
 * (failOpen) or 503 UNAVAILABLE (fail closed, Istio's default for policy) at once, never waiting
 * past the call deadline.
 */
export class MixerChecker {
  private readonly client: MixerCheckClient;
  private readonly cache: CheckCache<PolicyDecision>;
  private readonly now: () => number;
  private readonly log = new RateLimitedLog(10_000);
  private readonly counts = { checks: 0, cacheHits: 0, denied: 0, quotaExhausted: 0, mixerUnavailable: 0 };
  private readonly dictionary: GlobalDictionary;

  constructor(private readonly opts: MixerCheckerOptions) {
    this.client = new MixerCheckClient(opts.address, { initialMs: 200, maxMs: 5000 });
    this.cache = new CheckCache(opts.cacheMaxEntries);
    this.now = opts.now ?? Date.now;
    this.dictionary = opts.dictionary ?? GLOBAL_DICTIONARY;
  }

  /** Decides one request. Never throws. */
  async check(bag: ReadonlyMap<string, AttrValue>): Promise<PolicyDecision> {
    this.counts.checks++;
    const quotas = this.opts.quotas ?? [];
    if (quotas.length === 0) {
      const cached = this.cache.get(bag, this.now());
      if (cached) {
        this.counts.cacheHits++;
        return this.count(cached);
      }
    }
    const request: CheckRequestMessage = {
      attributes: encodeAttributes(bag, this.dictionary),
      global_word_count: this.dictionary.size,
      deduplication_id: randomUUID(),
      quotas: Object.fromEntries(quotas.map((q) => [q.name, { amount: String(q.charge), best_effort: true }])),
    };
    const r = await this.client.check(request, this.opts.timeoutMs ?? 1000);
    if (!r.ok) {
      this.counts.mixerUnavailable++;
      this.log.maybe('check-failed', () => this.opts.logger.warn({ code: r.code, details: r.details, failOpen: this.opts.failOpen === true }, 'Mixer Check failed'));
      return this.opts.failOpen ? { allow: true } : this.count(denial(14, `Mixer is unavailable: ${r.details}`));
    }
    const p = r.response.precondition;
    const code = p?.status?.code ?? 0;
    const decision: PolicyDecision = code === 0 ? { allow: true } : denial(code, p?.status?.message ?? '');
    const refs = decodeReferenced(p?.referenced_attributes, this.dictionary);
    const validMs = Number(p?.valid_duration?.seconds ?? 0) * 1000 + Math.floor((p?.valid_duration?.nanos ?? 0) / 1e6);
    if (refs) this.cache.put(bag, refs, decision, validMs, p?.valid_use_count ?? 0, this.now());
    if (!decision.allow) return this.count(decision);
    for (const q of quotas) {
      const granted = Number(r.response.quotas?.[q.name]?.granted_amount ?? 0);
      if (granted < q.charge) {
        this.counts.quotaExhausted++;
        return { allow: false, status: 429, flag: 'RL', body: `RESOURCE_EXHAUSTED:Quota is exhausted for: ${q.name}` };
      }
    }
    return decision;
  }

  private count(d: PolicyDecision): PolicyDecision {
    if (!d.allow) this.counts.denied++;
    return d;
  }

  stats(): MixerCheckerStats {
    return { ...this.counts, cacheEntries: this.cache.entries };
  }

  /** Closes the channel. */
  stop(): Promise<void> {
    this.client.close();
    this.cache.clear();
    return Promise.resolve();
  }
}

/** Parses `name[:charge]` entries (MESH_SIDECAR_MIXER_QUOTAS); a missing or bad charge is 1. */
export function parseQuotaCharges(entries: readonly string[]): QuotaCharge[] {
  return entries
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((e) => {
      const [name, charge] = e.split(':');
      const n = Number(charge);
      return { name: name!, charge: Number.isInteger(n) && n > 0 ? n : 1 };
    });
}
