import type { TemplateName } from '@mesh/shared-api';

/**
 * Istio 1.4's compiled templates and when Mixer uses their instances: on Check (check), on
 * Check's quota requests (quota), or on Report (report).
 */
export type TemplateVariety = 'check' | 'quota' | 'report';

/** Every template Mixer builds instances of, by variety. */
export const TEMPLATES: Readonly<Record<TemplateName, TemplateVariety>> = {
  listentry: 'check',
  checknothing: 'check',
  quota: 'quota',
  metric: 'report',
  logentry: 'report',
  reportnothing: 'report',
  tracespan: 'report',
};

/** True for a template name Mixer knows. */
export function isTemplateName(name: string): name is TemplateName {
  return Object.prototype.hasOwnProperty.call(TEMPLATES, name);
}

/** The legacy per-adapter kinds (a resource of such a kind is a handler of that adapter). */
export const LEGACY_ADAPTER_KINDS: ReadonlySet<string> = new Set([
  'bypass', 'circonus', 'cloudwatch', 'denier', 'dogstatsd', 'fluentd', 'kubernetesenv', 'listchecker', 'memquota', 'noop', 'opa',
  'prometheus', 'rbac', 'redisquota', 'servicecontrol', 'signalfx', 'solarwinds', 'stackdriver', 'statsd', 'stdio',
]);
