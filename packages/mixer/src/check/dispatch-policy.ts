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

/** The Check policy of a configured Mixer: rules → instances → handlers, answered on the wire. */
export function dispatchPolicy(runtime: MixerRuntime, defaults: CheckDefaults): CheckPolicy {
  return async (bag, request) => {
    const quotas = new Map<string, QuotaRequest>();
    for (const [name, p] of Object.entries(request.quotas ?? {})) quotas.set(name, { amount: Number(p.amount ?? 0), bestEffort: p.best_effort === true });
    const outcome = await runtime.dispatcher.check(bag, quotas, request.deduplication_id ?? '', defaults);
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
