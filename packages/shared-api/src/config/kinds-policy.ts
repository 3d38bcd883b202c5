import type { KindInfo } from './kinds.js';

const group = 'config.istio.io';
const versions = ['v1alpha2'] as const;

function kind(name: string, plural: string, shortNames: readonly string[] = []): KindInfo {
  return { group, versions, kind: name, plural, singular: name.toLowerCase(), shortNames, namespaced: true };
}

/**
 * The legacy per-adapter and per-template kinds of Istio 1.4 (Galley's `legacy` collections), with
 * their plurals as the 1.4 CRDs spelled them.
 */
const LEGACY: ReadonlyArray<readonly [kind: string, plural: string]> = [
  // adapters
  ['bypass', 'bypasses'],
  ['circonus', 'circonuses'],
  ['cloudwatch', 'cloudwatches'],
  ['denier', 'deniers'],
  ['dogstatsd', 'dogstatsds'],
  ['fluentd', 'fluentds'],
  ['kubernetesenv', 'kubernetesenvs'],
  ['listchecker', 'listcheckers'],
  ['memquota', 'memquotas'],
  ['noop', 'noops'],
  ['opa', 'opas'],
  ['prometheus', 'prometheuses'],
  ['rbac', 'rbacs'],
  ['redisquota', 'redisquotas'],
  ['servicecontrol', 'servicecontrols'],
  ['signalfx', 'signalfxs'],
  ['solarwinds', 'solarwindses'],
  ['stackdriver', 'stackdrivers'],
  ['statsd', 'statsds'],
  ['stdio', 'stdios'],
  // templates
  ['apikey', 'apikeys'],
  ['authorization', 'authorizations'],
  ['checknothing', 'checknothings'],
  ['edge', 'edges'],
  ['kubernetes', 'kuberneteses'],
  ['listentry', 'listentries'],
  ['logentry', 'logentries'],
  ['metric', 'metrics'],
  ['quota', 'quotas'],
  ['reportnothing', 'reportnothings'],
  ['servicecontrolreport', 'servicecontrolreports'],
  ['tracespan', 'tracespans'],
];

/** config.istio.io/v1alpha2 kinds (Mixer's handler, instance, rule, and the legacy per-adapter/per-template kinds). */
export const POLICY_KINDS: readonly KindInfo[] = [
  kind('rule', 'rules'),
  kind('instance', 'instances'),
  kind('handler', 'handlers'),
  kind('attributemanifest', 'attributemanifests'),
  kind('adapter', 'adapters'),
  kind('template', 'templates'),
  kind('HTTPAPISpec', 'httpapispecs'),
  kind('HTTPAPISpecBinding', 'httpapispecbindings'),
  kind('QuotaSpec', 'quotaspecs'),
  kind('QuotaSpecBinding', 'quotaspecbindings'),
  ...LEGACY.map(([name, plural]) => kind(name, plural)),
];
