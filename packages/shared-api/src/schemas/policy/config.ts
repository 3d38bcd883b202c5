import type { JsonSchema } from '../common.js';
import { bool, goDuration, int64, listOf, mapOf, message, protoEnum, str, stringList, stringMap, struct, uint32 } from '../security/message.js';

// istio.policy.v1beta1 (Mixer's config kinds in Istio 1.4): jsonpb-decoded, proto names accepted.
const proto = { protoNames: true } as const;

/** Mixer attribute value types (`istio.policy.v1beta1.ValueType`). */
export const VALUE_TYPES = [
  'VALUE_TYPE_UNSPECIFIED',
  'STRING',
  'INT64',
  'DOUBLE',
  'BOOL',
  'TIMESTAMP',
  'IP_ADDRESS',
  'EMAIL_ADDRESS',
  'URI',
  'DNS_NAME',
  'DURATION',
  'STRING_MAP',
] as const;

/** Schema of `attributemanifest.spec`: the attributes Mixer knows, each with its value type. */
export const attributeManifestSpecSchema: JsonSchema = message(
  {
    revision: str,
    name: str,
    attributes: mapOf(message({ description: str, valueType: protoEnum(VALUE_TYPES) }, proto)),
  },
  proto,
);

const headerOperation = message({ name: str, values: stringList, operation: protoEnum(['REPLACE', 'REMOVE', 'APPEND']) }, proto);

const sampling = message(
  {
    random: message(
      {
        attributeExpression: str,
        percentSampled: message({ numerator: uint32, denominator: protoEnum(['HUNDRED', 'TEN_THOUSAND', 'MILLION']) }, proto),
        useIndependentRandomness: bool,
      },
      proto,
    ),
    rateLimit: message({ samplingDuration: goDuration, maxUnsampledEntries: int64, samplingRate: int64 }, proto),
  },
  proto,
);

/** Schema of `rule.spec`: when `match` holds, send the `instances` of each action to its `handler`. */
export const ruleSpecSchema: JsonSchema = message(
  {
    match: str,
    actions: listOf(message({ handler: str, instances: stringList, name: str }, proto)),
    requestHeaderOperations: listOf(headerOperation),
    responseHeaderOperations: listOf(headerOperation),
    sampling,
  },
  proto,
);

/** Schema of `instance.spec`; the template-specific `params` are checked by a semantic rule. */
export const instanceSpecSchema: JsonSchema = message(
  { name: str, compiledTemplate: str, template: str, params: struct, attributeBindings: stringMap },
  proto,
);

const connection = message(
  {
    address: str,
    timeout: goDuration,
    authentication: message(
      {
        tls: message(
          { caCertificates: str, tokenPath: str, authHeader: protoEnum(['PLAIN', 'BEARER']), customHeader: str },
          { ...proto, oneOf: ['authHeader', 'customHeader'] },
        ),
        mutual: message({ privateKey: str, clientCertificate: str, caCertificates: str, serverName: str }, proto),
      },
      { ...proto, oneOf: ['tls', 'mutual'] },
    ),
  },
  proto,
);

/** Schema of `handler.spec`; the adapter-specific `params` are checked by a semantic rule. */
export const handlerSpecSchema: JsonSchema = message(
  { name: str, compiledAdapter: str, adapter: str, params: struct, connection },
  proto,
);

/** Schema of `adapter.spec` (`istio.mixer.adapter.model.v1beta1.Info`): an out-of-process adapter's descriptor. */
export const adapterInfoSpecSchema: JsonSchema = message(
  { name: str, description: str, templates: stringList, config: str, sessionBased: bool },
  proto,
);

/** Schema of `template.spec`: a base64 FileDescriptorSet describing a template. */
export const templateSpecSchema: JsonSchema = message({ descriptor: str }, proto);
