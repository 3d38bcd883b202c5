import * as grpc from '@grpc/grpc-js';
import { GrpcServices, loadAdsPackageDefinition, resourceTypeOf, TypeUrls, unpackAny, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { AnyMessage, XdsResourceType } from '@mesh/shared-api';
import { bindGrpc, stopGrpc } from '@mesh/runtime';
import type { DiscoveryRequestMessage, DiscoveryResponseMessage } from '../xds/discovery-messages.js';

type AdsStream = grpc.ServerDuplexStream<DiscoveryRequestMessage, DiscoveryResponseMessage>;

interface StreamState {
  readonly call: AdsStream;
  readonly names: Map<XdsResourceType, string[]>;
  readonly nonces: Map<XdsResourceType, string>;
}

/** A request the fake server received, with the stream it came on. */
export interface ReceivedRequest {
  readonly stream: number;
  readonly type: XdsResourceType | undefined;
  readonly request: DiscoveryRequestMessage;
  /** True when the server ignored it because its nonce was not the latest. */
  readonly stale: boolean;
}

/**
 * An in-process ADS server for tests (state of the world): holds resources per type, answers a
 * stream's first request of each type and every change of its resource names, pushes on `set`,
 * filters EDS/RDS by the requested names, and records every request (ACKs, NACKs, stale ones).
 */
export class FakeAdsServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly server = new grpc.Server();
  private readonly resources = new Map<XdsResourceType, AnyMessage[]>();
  private readonly versions = new Map<XdsResourceType, number>();
  private readonly streams = new Set<StreamState>();
  private readonly nonceVersions = new Map<string, string>();
  private streamCount = 0;
  private nonceCount = 0;
  port = 0;

  constructor() {
    const def = loadAdsPackageDefinition()[GrpcServices.ads] as grpc.ServiceDefinition;
    this.server.addService(def, { StreamAggregatedResources: (call: AdsStream) => this.onStream(call) });
  }

  /** Binds on 127.0.0.1 (port 0 picks one) and returns the port. */
  async start(port = 0): Promise<number> {
    this.port = await bindGrpc(this.server, `127.0.0.1:${port}`);
    return this.port;
  }

  /** `host:port` to give the sidecar. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Replaces the resources of a type and pushes them to every stream watching it. */
  set(type: XdsResourceType, resources: AnyMessage[]): void {
    this.resources.set(type, resources);
    this.versions.set(type, (this.versions.get(type) ?? 0) + 1);
    for (const s of this.streams) if (s.names.has(type)) this.send(s, type);
  }

  /** The version string the server sent last for a type. */
  version(type: XdsResourceType): string {
    return `v${this.versions.get(type) ?? 0}`;
  }

  /** The version a nonce was sent with. */
  versionOfNonce(nonce: string): string | undefined {
    return this.nonceVersions.get(nonce);
  }

  /** Requests that carried error_detail (NACKs). */
  nacks(type?: XdsResourceType): ReceivedRequest[] {
    return this.requests.filter((r) => r.request.error_detail && (type === undefined || r.type === type));
  }

  /** Number of streams open now. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Ends every open stream (as a Pilot shutting down would); clients are expected to reconnect. */
  dropStreams(): void {
    for (const s of this.streams) s.call.end();
    this.streams.clear();
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.call.end();
    this.streams.clear();
    await stopGrpc(this.server, 500);
  }

  private onStream(call: AdsStream): void {
    const state: StreamState = { call, names: new Map(), nonces: new Map() };
    const id = ++this.streamCount;
    this.streams.add(state);
    call.on('data', (req: DiscoveryRequestMessage) => {
      const type = resourceTypeOf(req.type_url);
      const latest = type ? state.nonces.get(type) : undefined;
      // A response_nonce that is not the latest one sent for the type is stale and ignored.
      const stale = req.response_nonce !== '' && req.response_nonce !== latest;
      this.requests.push({ stream: id, type, request: req, stale });
      if (!type || stale) return;
      const names = [...req.resource_names].sort();
      const before = state.names.get(type);
      state.names.set(type, names);
      if (before === undefined || before.join(',') !== names.join(',')) this.send(state, type);
    });
    call.on('error', () => this.streams.delete(state));
    call.on('end', () => {
      this.streams.delete(state);
      call.end();
    });
  }

  private send(s: StreamState, type: XdsResourceType): void {
    const names = s.names.get(type) ?? [];
    let resources = this.resources.get(type) ?? [];
    if (names.length > 0 && (type === 'ClusterLoadAssignment' || type === 'RouteConfiguration')) {
      resources = resources.filter((r) => names.includes(resourceName(type, r)));
    }
    const nonce = `n${++this.nonceCount}`;
    s.nonces.set(type, nonce);
    this.nonceVersions.set(nonce, this.version(type));
    s.call.write({ version_info: this.version(type), resources, type_url: TypeUrls[type], nonce });
  }
}

function resourceName(type: XdsResourceType, any: AnyMessage): string {
  const raw = unpackAny(any);
  return String(type === 'ClusterLoadAssignment' ? raw['cluster_name'] : raw['name']);
}

/** Every type in push order, for tests that set all of them. */
export const ALL_TYPES: readonly XdsResourceType[] = XDS_PUSH_ORDER;
