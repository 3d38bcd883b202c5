import { durationOf, GLOBAL_DICTIONARY, MessageWords } from '@mesh/shared-api';
import type { AttributeMap, CheckResponseMessage, GlobalDictionary, QuotaResultMessage, ReferencedAttributesMessage } from '@mesh/shared-api';
import type { ReferencedAttribute } from '../expr/compiled-expression.js';
import type { CheckDefaults, QuotaRequest } from '../runtime/dispatcher.js';
import type { MixerRuntime } from '../runtime/mixer-runtime.js';
import type { CheckPolicy } from './allow-check.js';

/**
 * ReferencedAttributes (istio.io/api mixer/v1/check.proto): the attributes a decision read, each
 * EXACT (the client's cache key includes its value) or ABSENCE (the key requires it absent);
 * names and map keys are word indexes like CompressedAttributes'.
 */
export function encodeReferenced(refs: readonly ReferencedAttribute[], bag: AttributeMap, dictionary: GlobalDictionary = GLOBAL_DICTIONARY): ReferencedAttributesMessage {
  const words = new MessageWords(dictionary);
  const attribute_matches = refs.map((r) => {
    const v = bag.get(r.name);
    if (r.mapKey === undefined) return { name: words.indexOf(r.name), condition: v === undefined ? ('ABSENCE' as const) : ('EXACT' as const) };
    const present = v !== undefined && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, r.mapKey);
    return { name: words.indexOf(r.name), condition: present ? ('EXACT' as const) : ('ABSENCE' as const), map_key: words.indexOf(r.mapKey) };
  });
  return { words: words.words, attribute_matches };
}

/** google.rpc.Code.RESOURCE_EXHAUSTED */
const RESOURCE_EXHAUSTED = 8;

/** The Check policy of a configured Mixer: rules → instances → handlers, answered on the wire. */
export function dispatchPolicy(runtime: MixerRuntime, defaults: CheckDefaults): CheckPolicy {
  return async (bag, request) => {
    const dispatcher = runtime.dispatcher;
    const quotas = new Map<string, QuotaRequest>();
    for (const [name, p] of Object.entries(request.quotas ?? {})) quotas.set(name, { amount: Number(p.amount ?? 0), bestEffort: p.best_effort === true });
    // A Check that names no quotas gets those its destination service is bound to (QuotaSpecBinding),
    // requested as Istio's client did: best effort.
    const bound = quotas.size === 0 && dispatcher.config.quotaBindings.size > 0 ? dispatcher.config.quotaBindings.quotasFor(bag) : [];
    for (const q of bound) quotas.set(q.quota, { amount: q.charge, bestEffort: true });
    const outcome = await dispatcher.check(bag, quotas, request.deduplication_id ?? '', defaults);
    if (bound.length > 0) {
      // The client did not ask for these quotas, so it would not read their grants: an exhausted one
      // is this answer's status (Envoy's 429 for RESOURCE_EXHAUSTED), and the answer must not be
      // cached, or later requests would skip the charge.
      const short = bound.find((q) => (outcome.quotas.get(q.quota)?.grantedAmount ?? 0) < q.charge);
      if (short && outcome.status.code === 0) outcome.status = { code: RESOURCE_EXHAUSTED, message: `Quota is exhausted for: ${short.quota}` };
      outcome.validDurationMs = 0;
      outcome.validUseCount = 0;
    }
    const quotaResults: Record<string, QuotaResultMessage> = {};
    for (const [name, q] of outcome.quotas) {
      quotaResults[name] = { valid_duration: durationOf(q.validDurationMs), granted_amount: String(q.grantedAmount), referenced_attributes: encodeReferenced(q.referenced, bag) };
    }
    const response: CheckResponseMessage = {
      precondition: {
        status: outcome.status,
        valid_duration: durationOf(outcome.validDurationMs),
        valid_use_count: outcome.validUseCount,
        referenced_attributes: encodeReferenced(outcome.referenced, bag),
      },
      quotas: quotaResults,
    };
    return response;
  };
}
