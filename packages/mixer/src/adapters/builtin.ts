import type { MixerAdapter } from '@mesh/shared-api';
import { denierAdapter } from './denier.js';
import { listAdapter } from './list.js';
import { memquotaAdapter } from './memquota.js';
import { opentelemetryAdapter } from './opentelemetry.js';
import { prometheusAdapter } from './prometheus.js';
import { redisquotaAdapter } from './redisquota.js';
import { stdioAdapter } from './stdio.js';

/** Adapters compiled into Mixer, by the name a handler's `compiledAdapter` (or legacy kind) uses. */
export const BUILTIN_ADAPTERS: ReadonlyMap<string, MixerAdapter> = new Map([
  ['denier', denierAdapter],
  ['listchecker', listAdapter],
  ['memquota', memquotaAdapter],
  ['redisquota', redisquotaAdapter],
  ['prometheus', prometheusAdapter],
  ['stdio', stdioAdapter],
  ['opentelemetry', opentelemetryAdapter],
]);
