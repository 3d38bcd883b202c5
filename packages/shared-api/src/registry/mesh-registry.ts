/**
 * The mesh registry contract: the services and workloads a registry owner (Pilot today, a
 * Kubernetes watch later) knows, published for components that must not import it (Galley's
 * cross-resource analysis). Stored in the JetStream KV bucket `REGISTRY_BUCKET` (`mesh-registry`).
 *
 * Key grammar (NATS KV keys are dot-separated tokens):
 *   svc.<publisher>.<hostname>                   one {@link RegistryService} as JSON
 *   wl.<publisher>.<namespace>.<workload-id>     one {@link RegistryWorkload} as JSON
 * `<publisher>` names one publishing process (lowercase letters, digits, '-'), so replicas never
 * overwrite or delete each other's entries; consumers merge every publisher's entries.
 *
 * Liveness: the bucket expires values after {@link REGISTRY_ENTRY_MAX_AGE_MS} (bucket max_age;
 * per-message TTL needs NATS 2.11). A publisher re-puts each of its entries at least every
 * {@link REGISTRY_REFRESH_MS}, deletes entries it no longer holds, and deletes all of its keys
 * on a clean stop, so a crashed publisher's entries vanish within the max age. The server drops
 * expired values without telling watchers: consumers must ignore values older than the max age.
 */

/** Values older than this are expired (also the bucket's max_age). */
export const REGISTRY_ENTRY_MAX_AGE_MS = 90_000;
/** Publishers re-put every entry at least this often, well inside the max age. */
export const REGISTRY_REFRESH_MS = 30_000;

/** One port of a registry service. */
export interface RegistryServicePort {
  /** Port name (Kubernetes style: its prefix names the protocol, `http-web`); may be ''. */
  name: string;
  /** The port clients address. */
  port: number;
  /** Istio protocol name (HTTP, HTTP2, GRPC, TCP, ...). */
  protocol: string;
  /** The workload port behind it, when the source knows it (Kubernetes `targetPort`). */
  targetPort?: number;
}

/** A service known to the registry, identified by its FQDN. */
export interface RegistryService {
  /** `<name>.<namespace>.svc.<domain-suffix>`. */
  hostname: string;
  name: string;
  namespace: string;
  ports: RegistryServicePort[];
  /**
   * The label selector of the workloads behind it (Kubernetes Services). Absent when membership
   * is listed on the workloads instead ({@link RegistryWorkload.services}).
   */
  selector?: Record<string, string>;
  /** Where the publisher learned it: `workload-registration` (sidecars over xDS), `kubernetes`, ... */
  source: string;
}

/** A running workload instance (a pod, a VM, a local process) with its labels. */
export interface RegistryWorkload {
  /** Workload name (pod name, or WORKLOAD_NAME from the sidecar). */
  name: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  /** Addresses peers reach it at. */
  addresses: string[];
  /** Hostnames of the services it serves (may be empty; selectors can add more). */
  services: string[];
  /** Where the publisher learned it (see {@link RegistryService.source}). */
  source: string;
}

/** A registry value decoded from the bucket, or why it was not. */
export type RegistryEntry =
  | { type: 'service'; publisher: string; value: RegistryService }
  | { type: 'workload'; publisher: string; value: RegistryWorkload }
  | { type: 'invalid'; reason: string };

const PUBLISHER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Characters a KV key token may not hold (dots separate tokens). */
const NOT_KEY_CHAR = /[^-/_=A-Za-z0-9]/g;
const NOT_KEY_CHAR_OR_DOT = /[^-/_=.A-Za-z0-9]/g;

/** True when `id` may name a publisher (a DNS-1123 label, so it is one KV key token). */
export function isRegistryPublisherId(id: string): boolean {
  return PUBLISHER.test(id);
}

/** Turns any text into a valid publisher id (`Pilot@host 12` → `pilot-host-12`). */
export function registryPublisherId(text: string): string {
  const id = text
    .toLowerCase()
    .replace(/[^-a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return id || 'publisher';
}

/** The key of a service entry. */
export function registryServiceKey(publisher: string, hostname: string): string {
  return `svc.${publisher}.${hostname.replace(NOT_KEY_CHAR_OR_DOT, '_')}`;
}

/** The key of a workload entry; `id` is the publisher's stable id of the instance (any text). */
export function registryWorkloadKey(publisher: string, namespace: string, id: string): string {
  return `wl.${publisher}.${namespace}.${id.replace(NOT_KEY_CHAR, '_')}`;
}

/** The key filters selecting every entry of one publisher (for a watch or a key listing). */
export function registryPublisherFilters(publisher: string): string[] {
  return [`svc.${publisher}.>`, `wl.${publisher}.>`];
}

/** Decodes one bucket value by its key; never throws. */
export function decodeRegistryEntry(key: string, value: unknown): RegistryEntry {
  const [type, publisher] = key.split('.');
  if ((type !== 'svc' && type !== 'wl') || !publisher || key.split('.').length < (type === 'svc' ? 3 : 4)) {
    return { type: 'invalid', reason: `key "${key}" is not svc.<publisher>.<hostname> or wl.<publisher>.<namespace>.<id>` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { type: 'invalid', reason: 'value is not a JSON object' };
  const v = value as Record<string, unknown>;
  const problem = type === 'svc' ? serviceProblem(v) : workloadProblem(v);
  if (problem) return { type: 'invalid', reason: problem };
  return type === 'svc'
    ? { type: 'service', publisher, value: value as RegistryService }
    : { type: 'workload', publisher, value: value as RegistryWorkload };
}

function serviceProblem(v: Record<string, unknown>): string | undefined {
  for (const f of ['hostname', 'name', 'namespace', 'source'] as const) if (typeof v[f] !== 'string') return `service.${f} must be a string`;
  if (!Array.isArray(v['ports'])) return 'service.ports must be an array';
  for (const [i, p] of (v['ports'] as unknown[]).entries()) {
    const port = p as Partial<RegistryServicePort> | null;
    if (typeof port !== 'object' || port === null || !Number.isInteger(port.port)) return `service.ports[${i}].port must be an integer`;
  }
  if (v['selector'] !== undefined && !isStringMap(v['selector'])) return 'service.selector must map strings to strings';
  return undefined;
}

function workloadProblem(v: Record<string, unknown>): string | undefined {
  for (const f of ['name', 'namespace', 'source'] as const) if (typeof v[f] !== 'string') return `workload.${f} must be a string`;
  if (!isStringMap(v['labels'])) return 'workload.labels must map strings to strings';
  for (const f of ['addresses', 'services'] as const) {
    if (!Array.isArray(v[f]) || (v[f] as unknown[]).some((x) => typeof x !== 'string')) return `workload.${f} must be an array of strings`;
  }
  return undefined;
}

function isStringMap(x: unknown): x is Record<string, string> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((s) => typeof s === 'string');
}
