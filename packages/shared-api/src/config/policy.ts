/**
 * TypeScript shapes of the config.istio.io/v1alpha2 specs (Istio 1.4 Mixer), with fields under their
 * JSON (lowerCamel) names, as the semantic rules read them after normalization (nulls dropped,
 * proto names such as `compiled_adapter` renamed). Enums may be names or numbers, as jsonpb
 * accepts both. The JSON Schemas in schemas/policy are the validation authority.
 */

/** A Mixer rule action: send `instances` to `handler`. */
export interface RuleAction {
  handler?: string;
  instances?: string[];
  name?: string;
}

/** A request/response header operation of a rule; `values` are expressions. */
export interface HeaderOperation {
  name?: string;
  values?: string[];
  operation?: string | number;
}

/** config.istio.io rule spec. */
export interface RuleSpec {
  /** A CEXL boolean expression; empty means "always". */
  match?: string;
  actions?: RuleAction[];
  requestHeaderOperations?: HeaderOperation[];
  responseHeaderOperations?: HeaderOperation[];
  sampling?: {
    random?: { attributeExpression?: string; percentSampled?: { numerator?: number; denominator?: string | number }; useIndependentRandomness?: boolean };
    rateLimit?: { samplingDuration?: string; maxUnsampledEntries?: number; samplingRate?: number };
  };
}

/** config.istio.io instance spec: `params` are the template's fields, each a CEXL expression. */
export interface InstanceSpec {
  name?: string;
  compiledTemplate?: string;
  template?: string;
  params?: Record<string, unknown>;
  attributeBindings?: Record<string, string>;
}

/** How Mixer reaches an out-of-process adapter. */
export interface HandlerConnection {
  address?: string;
  timeout?: string;
  authentication?: {
    tls?: { caCertificates?: string; tokenPath?: string; authHeader?: string | number; customHeader?: string };
    mutual?: { privateKey?: string; clientCertificate?: string; caCertificates?: string; serverName?: string };
  };
}

/** config.istio.io handler spec: `params` are the adapter's configuration. */
export interface HandlerSpec {
  name?: string;
  compiledAdapter?: string;
  adapter?: string;
  params?: Record<string, unknown>;
  connection?: HandlerConnection;
}

/** config.istio.io attributemanifest spec. */
export interface AttributeManifestSpec {
  revision?: string;
  name?: string;
  attributes?: Record<string, { description?: string; valueType?: string | number }>;
}

/** config.istio.io adapter spec (an out-of-process adapter's descriptor). */
export interface AdapterInfoSpec {
  name?: string;
  description?: string;
  templates?: string[];
  /** Base64 FileDescriptorSet of the adapter's params. */
  config?: string;
  sessionBased?: boolean;
}

/** config.istio.io template spec. */
export interface TemplateSpec {
  /** Base64 FileDescriptorSet of the template. */
  descriptor?: string;
}

/** A typed Mixer attribute value (exactly one field set). */
export interface MixerAttributeValue {
  stringValue?: string;
  int64Value?: number;
  doubleValue?: number;
  boolValue?: boolean;
  bytesValue?: string;
  timestampValue?: string;
  durationValue?: string;
  stringMapValue?: { entries?: Record<string, string> };
}

/** `istio.mixer.v1.Attributes`. */
export interface MixerAttributes {
  attributes?: Record<string, MixerAttributeValue>;
}

/** config.istio.io HTTPAPISpec spec. */
export interface HttpApiSpec {
  attributes?: MixerAttributes;
  patterns?: Array<{ attributes?: MixerAttributes; httpMethod?: string; uriTemplate?: string; regex?: string }>;
  apiKeys?: Array<{ query?: string; header?: string; cookie?: string }>;
}

/** A service reference of the Mixer client config. */
export interface IstioService {
  name?: string;
  namespace?: string;
  domain?: string;
  service?: string;
  labels?: Record<string, string>;
}

/** config.istio.io HTTPAPISpecBinding spec. */
export interface HttpApiSpecBinding {
  services?: IstioService[];
  apiSpecs?: Array<{ name?: string; namespace?: string }>;
}

/** config.istio.io QuotaSpec spec. */
export interface QuotaSpec {
  rules?: Array<{
    match?: Array<{ clause?: Record<string, { exact?: string; prefix?: string; regex?: string }> }>;
    quotas?: Array<{ quota?: string; charge?: number }>;
  }>;
}

/** config.istio.io QuotaSpecBinding spec. */
export interface QuotaSpecBinding {
  services?: IstioService[];
  quotaSpecs?: Array<{ name?: string; namespace?: string }>;
}
