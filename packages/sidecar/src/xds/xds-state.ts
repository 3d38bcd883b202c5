import { resourceTypeOf, TypeUrls, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import type { ResourceSnapshot } from '../routing/model.js';
import { discoveryRequest } from './ack.js';
import type { DecodedResource, ModelByType } from './decoders.js';
import { decodeResources, nackMessage } from './decoders.js';
import type { DiscoveryRequestMessage, DiscoveryResponseMessage, NodeMessage } from './discovery-messages.js';

/** A rejected response as /config_dump shows it. */
export interface NackRecord {
  readonly version: string;
  readonly nonce: string;
  readonly message: string;
  readonly at: string;
}

interface TypeState {
  acceptedVersion: string;
  nonce: string;
  accepted: boolean;
  resources: Map<string, DecodedResource<ModelByType[XdsResourceType]>>;
  names: string[];
  lastNack?: NackRecord;
  updatedAt?: string;
}

/** What handling one DiscoveryResponse led to, and the requests to send for it (in order). */
export interface ResponseOutcome {
  readonly type: XdsResourceType | undefined;
  readonly accepted: boolean;
  /** The NACK reason when not accepted. */
  readonly message?: string;
  readonly warnings: readonly string[];
  readonly requests: readonly DiscoveryRequestMessage[];
}

/** /config_dump's view of one type. */
export interface TypeDump {
  readonly version: string;
  readonly subscribed: readonly string[] | 'all';
  readonly resources: readonly unknown[];
  readonly lastUpdated?: string;
  readonly lastNack?: NackRecord;
}

/** Types whose responses list every resource (a missing one is deleted); EDS and RDS list only the requested ones. */
const WILDCARD_TYPES: ReadonlySet<XdsResourceType> = new Set(['Listener', 'Cluster']);

/**
 * The client side of state-of-the-world ADS, without any transport: accepted resources per type,
 * versions, nonces and subscriptions; it decides ACK or NACK for each response and which
 * requests follow (EDS names come from the accepted clusters, RDS names from the listeners).
 * A rejected response changes nothing but the NACK record: the last good config stays.
 */
export class XdsState {
  private readonly types = new Map<XdsResourceType, TypeState>();
  private cachedSnapshot: ResourceSnapshot | undefined;

  constructor(private readonly now: () => Date = () => new Date()) {
    for (const t of XDS_PUSH_ORDER) this.types.set(t, { acceptedVersion: '', nonce: '', accepted: false, resources: new Map(), names: [] });
  }

  /** The requests that open a stream: CDS and LDS (wildcard), plus EDS/RDS already known; node only in the first. */
  openStream(node: NodeMessage): DiscoveryRequestMessage[] {
    const requests: DiscoveryRequestMessage[] = [];
    for (const type of XDS_PUSH_ORDER) {
      const s = this.state(type);
      s.nonce = ''; // nonces belong to a stream
      if (WILDCARD_TYPES.has(type) || s.names.length > 0) requests.push(this.request(type));
    }
    if (requests[0]) requests[0] = { ...requests[0], node };
    return requests;
  }

  /** Decodes a response, applies it or records why not, and returns the requests to send. */
  handleResponse(res: DiscoveryResponseMessage): ResponseOutcome {
    const type = resourceTypeOf(res.type_url);
    if (!type) {
      const message = `type ${res.type_url} is not served by this sidecar`;
      const req = discoveryRequest({ typeUrl: res.type_url, resourceNames: [], acceptedVersion: '', nonce: res.nonce }, message);
      return { type, accepted: false, message, warnings: [], requests: [req] };
    }
    const s = this.state(type);
    s.nonce = res.nonce;
    const decoded = decodeResources(type, res.resources);
    if (!decoded.ok) {
      const message = `${type} version ${res.version_info} rejected: ${nackMessage(decoded.errors)}`;
      s.lastNack = { version: res.version_info, nonce: res.nonce, message, at: this.now().toISOString() };
      return { type, accepted: false, message, warnings: [], requests: [discoveryRequest(this.requestState(type), message)] };
    }
    if (WILDCARD_TYPES.has(type)) s.resources = new Map();
    for (const r of decoded.value) s.resources.set(r.name, r);
    s.acceptedVersion = res.version_info;
    s.accepted = true;
    s.updatedAt = this.now().toISOString();
    this.cachedSnapshot = undefined;
    const requests = [discoveryRequest(this.requestState(type))];
    if (type === 'Cluster') requests.push(...this.subscribe('ClusterLoadAssignment', this.edsNames()));
    if (type === 'Listener') requests.push(...this.subscribe('RouteConfiguration', this.rdsNames()));
    return { type, accepted: true, warnings: decoded.warnings, requests };
  }

  /** True once CDS and LDS were accepted, and EDS and RDS too for whatever they reference. */
  get synced(): boolean {
    return XDS_PUSH_ORDER.every((t) => {
      const s = this.state(t);
      return s.accepted || (!WILDCARD_TYPES.has(t) && s.names.length === 0);
    });
  }

  /** The accepted resources as the routing table's input (a new object after every accepted change). */
  snapshot(): ResourceSnapshot {
    this.cachedSnapshot ??= {
      listeners: this.models('Listener'),
      routes: this.models('RouteConfiguration'),
      clusters: this.models('Cluster'),
      endpoints: this.models('ClusterLoadAssignment'),
    };
    return this.cachedSnapshot;
  }

  /** Per type: accepted version, subscription, resources (Envoy JSON) and the last NACK. */
  dump(): Record<XdsResourceType, TypeDump> {
    const out = {} as Record<XdsResourceType, TypeDump>;
    for (const type of XDS_PUSH_ORDER) {
      const s = this.state(type);
      out[type] = {
        version: s.acceptedVersion,
        subscribed: WILDCARD_TYPES.has(type) ? 'all' : [...s.names],
        resources: [...s.resources.values()].map((r) => r.dump),
        ...(s.updatedAt ? { lastUpdated: s.updatedAt } : {}),
        ...(s.lastNack ? { lastNack: s.lastNack } : {}),
      };
    }
    return out;
  }

  private subscribe(type: XdsResourceType, names: string[]): DiscoveryRequestMessage[] {
    const s = this.state(type);
    if (sameNames(s.names, names)) return [];
    s.names = names;
    const wanted = new Set(names);
    for (const name of [...s.resources.keys()]) {
      if (!wanted.has(name)) {
        s.resources.delete(name);
        this.cachedSnapshot = undefined;
      }
    }
    // An empty list would mean "everything" to the server; with nothing to watch, send nothing.
    return names.length > 0 ? [this.request(type)] : [];
  }

  private edsNames(): string[] {
    const names = new Set<string>();
    for (const c of this.models('Cluster').values()) if (c.type === 'EDS') names.add(c.edsServiceName ?? c.name);
    return [...names].sort();
  }

  private rdsNames(): string[] {
    const names = new Set<string>();
    for (const l of this.models('Listener').values()) for (const c of l.filterChains) if (c.http?.routes.kind === 'rds') names.add(c.http.routes.name);
    return [...names].sort();
  }

  private request(type: XdsResourceType): DiscoveryRequestMessage {
    return discoveryRequest(this.requestState(type));
  }

  private requestState(type: XdsResourceType) {
    const s = this.state(type);
    return { typeUrl: TypeUrls[type], resourceNames: s.names, acceptedVersion: s.acceptedVersion, nonce: s.nonce };
  }

  private models<K extends XdsResourceType>(type: K): Map<string, ModelByType[K]> {
    const out = new Map<string, ModelByType[K]>();
    for (const [name, r] of this.state(type).resources) out.set(name, r.model as ModelByType[K]);
    return out;
  }

  private state(type: XdsResourceType): TypeState {
    return this.types.get(type)!;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
