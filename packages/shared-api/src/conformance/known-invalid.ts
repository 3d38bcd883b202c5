/**
 * Corpus documents outside the `*-invalid.yaml` files that Istio's own validation rejects.
 *
 * They are Galley analyzer fixtures (galley/pkg/config/analysis/analyzers/testdata in 1.4): the
 * analyzer tests load them without the validating webhook, so they omit what validation requires
 * (a VirtualService's hosts and routes, a Gateway's servers). Istio 1.4's webhook rejects each one,
 * for the rule named here, and so do we; the suite checks that the error names that field.
 */
export interface KnownInvalid {
  /** The rule of VALIDATION-RULES.md (or Istio's EnvoyFilter rule) that rejects the document. */
  readonly rule: string;
  /** A field one of the errors must name. */
  readonly field: string;
}

const noHosts: KnownInvalid = { rule: '1: a VirtualService needs hosts', field: 'spec.hosts' };
const noServers: KnownInvalid = { rule: '29: a Gateway needs at least one server', field: 'spec.servers' };
const noRoutes: KnownInvalid = { rule: '5: a VirtualService needs http, tcp or tls routes', field: 'spec' };

/** By `<file>#<kind>/<name>`. */
export const KNOWN_INVALID: ReadonlyMap<string, KnownInvalid> = new Map([
  ['analyzer-1.4-deprecation.yaml#VirtualService/route-egressgateway', noHosts],
  ['analyzer-1.4-deprecation.yaml#VirtualService/tornado', noHosts],
  [
    'analyzer-1.4-deprecation.yaml#EnvoyFilter/istio-multicluster-egressgateway',
    { rule: 'EnvoyFilter (1.4): a filter needs filterType, filterName and filterConfig', field: 'spec.filters[0].filterType' },
  ],
  ['analyzer-1.4-gateway-no-workload.yaml#Gateway/httpbin-gateway', noServers],
  ['analyzer-1.4-virtualservice-gateways.yaml#Gateway/httpbin-gateway', noServers],
  ['analyzer-1.4-virtualservice-gateways.yaml#Gateway/crossnamespace-gw', noServers],
  ['analyzer-1.4-virtualservice-gateways.yaml#VirtualService/httpbin', noRoutes],
  ['analyzer-1.4-virtualservice-gateways.yaml#VirtualService/httpbin-bogus', noRoutes],
  ['analyzer-1.4-virtualservice-gateways.yaml#VirtualService/httpbin-mesh', { rule: '3: host "*" is not allowed for the mesh', field: 'spec.hosts[0]' }],
  ['analyzer-1.4-virtualservice-gateways.yaml#VirtualService/cross-test', noRoutes],
  ['analyzer-1.4-virtualservice-destinationhosts.yaml#ServiceEntry/service-entry-ignore', { rule: '34: host "*" is not allowed in a ServiceEntry', field: 'spec.hosts[0]' }],
  ...[
    'reviews', 'reviews-bogushost', 'reviews-fqdn', 'reviews-external', 'reviews-bookinfo-eu', 'reviews-bookinfo-eu-wildcard',
    'reviews-bookinfo-other', 'reviews-mirror', 'reviews-mirror-bogushost', 'reviews-bogusport', 'reviews-2port-missing', 'reviews-2port-present',
  ].map((n) => [`analyzer-1.4-virtualservice-destinationhosts.yaml#VirtualService/${n}`, noHosts] as const),
  ...['reviews', 'reviews-bogussubset', 'reviews-fqdn', 'reviews-mirror', 'reviews-mirror-bogussubset'].map(
    (n) => [`analyzer-1.4-virtualservice-destinationrules.yaml#VirtualService/${n}`, noHosts] as const,
  ),
  // An analyzer fixture with no spec: 1.4's ServiceRole validation requires at least one rule.
  ['analyzer-1.4-servicerolebindings.yaml#ServiceRole/service-role', { rule: 'ServiceRole (1.4): at least one rule', field: 'spec.rules' }],
  // A Mixer operator-config sample named in camelCase: Kubernetes itself refuses such a name.
  ['mixer-operatorconfig-cloudwatch-cloudwatch.yaml#cloudwatch/hndlrTest', { rule: 'metadata.name must be a DNS-1123 subdomain', field: 'metadata.name' }],
]);

/**
 * The converse: valid documents inside a `*-invalid.yaml` file. Istio's test applies the file as a
 * whole and expects it to fail; these are the objects the invalid one refers to, and are valid on
 * their own, so the suite expects them accepted. By `<file>#<kind>/<name>`, with the reason.
 */
export const SUPPORTING_VALID: ReadonlyMap<string, string> = new Map([
  ['validation-1.4-config-v1alpha2-rule-invalid.yaml#handler/handler-for-invalid-rule', 'the handler the invalid rule refers to'],
  ['validation-1.4-config-v1alpha2-rule-invalid.yaml#instance/instance-for-invalid-rule', 'the instance the invalid rule refers to'],
]);
