import type { JsonSchema } from '../common.js';
import { bool, double, goDuration, int64, listOf, mapOf, message, str, stringMap } from '../security/message.js';

// istio.mixer.v1.config.client (HTTPAPISpec, QuotaSpec and their bindings, Istio 1.4): proto names accepted.
const proto = { protoNames: true } as const;

/** `istio.mixer.v1.Attributes.AttributeValue`: exactly one typed value. */
const attributeValue = message(
  {
    stringValue: str,
    int64Value: int64,
    doubleValue: double,
    boolValue: bool,
    bytesValue: str,
    timestampValue: {
      type: 'string',
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$',
      errorMessage: 'must be an RFC 3339 timestamp such as 2017-01-01T00:00:00Z',
    },
    durationValue: goDuration,
    stringMapValue: message({ entries: stringMap }, proto),
  },
  {
    ...proto,
    oneOf: ['stringValue', 'int64Value', 'doubleValue', 'boolValue', 'bytesValue', 'timestampValue', 'durationValue', 'stringMapValue'],
  },
);

/** `istio.mixer.v1.Attributes`: attribute name → typed value. */
export const mixerAttributesSchema: JsonSchema = message({ attributes: mapOf(attributeValue) }, proto);

const pattern = message(
  { attributes: mixerAttributesSchema, httpMethod: str, uriTemplate: str, regex: str },
  { ...proto, oneOf: ['uriTemplate', 'regex'] },
);

const apiKey = message(
  { query: str, header: str, cookie: str },
  { ...proto, oneOf: ['query', 'header', 'cookie'] },
);

/** Schema of `HTTPAPISpec.spec`. */
export const httpApiSpecSchema: JsonSchema = message(
  { attributes: mixerAttributesSchema, patterns: listOf(pattern), apiKeys: listOf(apiKey) },
  proto,
);

/** `IstioService`: a service reference by short name (+ namespace, domain) or by FQDN. */
export const istioServiceSchema: JsonSchema = message(
  { name: str, namespace: str, domain: str, service: str, labels: stringMap },
  proto,
);

const reference = message({ name: str, namespace: str }, proto);

/** Schema of `HTTPAPISpecBinding.spec`. */
export const httpApiSpecBindingSchema: JsonSchema = message(
  { services: listOf(istioServiceSchema), apiSpecs: listOf(reference) },
  proto,
);

const stringMatch = message(
  { exact: str, prefix: str, regex: str },
  { ...proto, oneOf: ['exact', 'prefix', 'regex'] },
);

const quotaRule = message(
  {
    match: listOf(message({ clause: mapOf(stringMatch) }, proto)),
    quotas: listOf(message({ quota: str, charge: int64 }, proto)),
  },
  proto,
);

/** Schema of `QuotaSpec.spec`. */
export const quotaSpecSchema: JsonSchema = message({ rules: listOf(quotaRule) }, proto);

/** Schema of `QuotaSpecBinding.spec`. */
export const quotaSpecBindingSchema: JsonSchema = message(
  { services: listOf(istioServiceSchema), quotaSpecs: listOf(reference) },
  proto,
);
