/**
 * The Mixer adapter plugin interface (types only; docs/mixer-adapters.md explains it with an
 * example). An adapter is an npm package whose main module has a named export `adapter` of type
 * {@link MixerAdapter}. A `config.istio.io/v1alpha2` handler names the package in `spec.adapter`
 * (built-in adapters are named in `spec.compiledAdapter`); Mixer finds the package through its
 * adapter search path (MESH_MIXER_ADAPTER_PATH, then its own node_modules) with require.resolve,
 * builds one {@link AdapterHandler} per handler resource, and sends it the instances that rules
 * route to it. The built-in adapters implement the same interface.
 *
 * Versioning: {@link MixerAdapterApiVersion} changes on an incompatible change; an adapter
 * declares the version it was written for in `apiVersion`, and Mixer refuses other versions.
 */

/** The version of this interface. */
export type MixerAdapterApiVersion = 'mesh.mixer.adapter/v1';

/** Templates instances are built from (Istio 1.4's compiled templates). */
export type TemplateName = 'metric' | 'logentry' | 'listentry' | 'quota' | 'checknothing' | 'reportnothing' | 'tracespan';

/**
 * A value inside an instance. Attribute values keep their Mixer types: string, bigint (INT64),
 * number (DOUBLE), boolean, Uint8Array (BYTES, e.g. IP addresses), Date (TIMESTAMP), an
 * `{ ms }` duration object (DURATION), a string map; nested params (such as `dimensions`) are
 * plain objects of instance values.
 */
export type InstanceValue =
  | string
  | bigint
  | number
  | boolean
  | Uint8Array
  | Date
  | { readonly ms: number }
  | { readonly [key: string]: InstanceValue };

/**
 * One instance: the instance resource's `params`, each expression evaluated over the request's
 * attributes. Fields whose expression referenced an absent attribute (with no `|` default) are
 * left out.
 */
export interface AdapterInstance {
  /** Fully qualified instance name: `<name>.instance.<namespace>` (or `<name>.<kind>.<namespace>`). */
  readonly name: string;
  readonly template: TemplateName;
  readonly fields: { readonly [field: string]: InstanceValue };
}

/** google.rpc.Code numbers a check may answer with (0 = OK; 7 = PERMISSION_DENIED; 16 = UNAUTHENTICATED ...). */
export interface AdapterStatus {
  readonly code: number;
  readonly message?: string;
}

/** The answer to a check: a status and how long / how often the caller may reuse it. */
export interface AdapterCheckResult {
  readonly status: AdapterStatus;
  /** How long the result may be cached (ms); Mixer's default when absent. */
  readonly validDurationMs?: number;
  /** How many requests the result may serve; Mixer's default when absent. */
  readonly validUseCount?: number;
}

/** What a quota request asks for. */
export interface AdapterQuotaArgs {
  /** Units requested. */
  readonly amount: number;
  /** Grant what is available (up to `amount`) instead of all or nothing. */
  readonly bestEffort: boolean;
  /** Identifies a retried request, so that it is not charged twice. */
  readonly deduplicationId: string;
}

/** The answer to a quota request. */
export interface AdapterQuotaResult {
  /** Units granted (0 = quota exhausted). */
  readonly grantedAmount: number;
  /** How long the grant holds (ms). */
  readonly validDurationMs: number;
}

/** The logging an adapter gets (a pino child logger named after its handler). */
export interface AdapterLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What Mixer hands an adapter when it builds a handler. */
export interface AdapterEnv {
  /** Fully qualified handler name: `<name>.handler.<namespace>` (or `<name>.<kind>.<namespace>`). */
  readonly handlerName: string;
  readonly logger: AdapterLogger;
  /** Mixer's Redis URL and similar process-level settings, for adapters that need them. */
  readonly settings: { readonly [name: string]: string | undefined };
}

/**
 * A configured adapter: one per handler resource. Every method is optional; Mixer only routes
 * instances of the adapter's declared `templates`. Methods may be async; errors they throw (or
 * promises they reject) are logged and counted, and a failing check answers INTERNAL
 * (google.rpc.Code 13). Report calls happen off the request path, batched per Report RPC.
 */
export interface AdapterHandler {
  /** Instances of report templates (metric, logentry, tracespan, reportnothing). */
  handleReport?(instances: readonly AdapterInstance[]): void | Promise<void>;
  /** One instance of a check template (listentry, checknothing). */
  handleCheck?(instance: AdapterInstance): AdapterCheckResult | Promise<AdapterCheckResult>;
  /** One instance of the quota template. */
  handleQuota?(instance: AdapterInstance, args: AdapterQuotaArgs): AdapterQuotaResult | Promise<AdapterQuotaResult>;
  /** Metrics in the Prometheus text format, served on Mixer's adapter metrics port (42422). */
  prometheusText?(): string;
  /** Called when the handler is removed or its params change, and at Mixer's shutdown. */
  close?(): void | Promise<void>;
}

/** What an adapter package exports as `adapter`. */
export interface MixerAdapter {
  readonly apiVersion: MixerAdapterApiVersion;
  /** The adapter's name, for logs (by convention the package name). */
  readonly name: string;
  /** Templates whose instances the adapter accepts. */
  readonly templates: readonly TemplateName[];
  /** Problems with a handler's params (empty when usable); a handler with problems is not built. */
  validateParams?(params: { readonly [key: string]: unknown }): string[];
  /** Builds the handler for one handler resource's params. */
  createHandler(params: { readonly [key: string]: unknown }, env: AdapterEnv): AdapterHandler | Promise<AdapterHandler>;
}

/** The shape of an adapter package's main module. */
export interface MixerAdapterModule {
  readonly adapter: MixerAdapter;
}
