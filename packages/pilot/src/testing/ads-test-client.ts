import * as grpc from '@grpc/grpc-js';
import { jsonToStruct, loadAdsPackageDefinition, resourceTypeOf, TypeUrls } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import { decodeResource } from '../xds/decode-resource.js';
import type { DiscoveryResponse, RawDiscoveryRequest } from '../xds/discovery-request.js';

/** A DiscoveryResponse with its resources decoded. */
export interface ReceivedResponse {
  type: XdsResourceType | undefined;
  typeUrl: string;
  versionInfo: string;
  nonce: string;
  resources: Record<string, unknown>[];
}

type AdsClient = grpc.Client & { StreamAggregatedResources(): grpc.ClientDuplexStream<RawDiscoveryRequest, DiscoveryResponse> };

/**
 * A minimal xDS (ADS) client for tests: subscribes, ACKs, NACKs and records every response. It
 * speaks the wire protocol through grpc-js with Envoy's protos, as any other client would.
 */
export class AdsTestClient {
  private readonly received: ReceivedResponse[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly client: AdsClient;
  private readonly call: grpc.ClientDuplexStream<RawDiscoveryRequest, DiscoveryResponse>;
  private sentNode = false;
  /** The call's final status, once it has ended. */
  status: grpc.StatusObject | undefined;
  /** ACK every response as it arrives (a well-behaved client in the background of a test). */
  autoAck = false;

  constructor(
    address: string,
    private readonly node: { id: string; metadata: Record<string, unknown> },
  ) {
    const pkg = grpc.loadPackageDefinition(loadAdsPackageDefinition()) as unknown as {
      envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: new (addr: string, creds: grpc.ChannelCredentials) => AdsClient } } } };
    };
    this.client = new pkg.envoy.service.discovery.v3.AggregatedDiscoveryService(address, grpc.credentials.createInsecure());
    this.call = this.client.StreamAggregatedResources();
    this.call.on('data', (r: DiscoveryResponse) => {
      const received: ReceivedResponse = {
        type: resourceTypeOf(r.type_url),
        typeUrl: r.type_url,
        versionInfo: r.version_info,
        nonce: r.nonce,
        resources: r.resources.map(decodeResource),
      };
      this.received.push(received);
      if (this.autoAck) this.ack(received);
      this.wake();
    });
    this.call.on('status', (s: grpc.StatusObject) => {
      this.status = s;
      this.wake();
    });
    this.call.on('error', () => this.wake());
  }

  /** Sends a raw request; the first one carries the node. */
  send(req: Omit<RawDiscoveryRequest, 'node'>): void {
    const node = this.sentNode ? undefined : { id: this.node.id, cluster: 'mesh', metadata: jsonToStruct(this.node.metadata), locality: {} };
    this.sentNode = true;
    this.call.write({ ...req, ...(node ? { node } : {}) });
  }

  /** Subscribes to a type (no nonce: the first request of that type). */
  subscribe(type: XdsResourceType, resourceNames: string[] = []): void {
    this.send({ type_url: TypeUrls[type], resource_names: resourceNames, version_info: '', response_nonce: '' });
  }

  /** ACKs a response. */
  ack(r: ReceivedResponse, resourceNames: string[] = []): void {
    this.send({ type_url: r.typeUrl, version_info: r.versionInfo, response_nonce: r.nonce, resource_names: resourceNames });
  }

  /** NACKs a response, keeping `keptVersion`. */
  nack(r: ReceivedResponse, keptVersion: string, message: string): void {
    this.send({ type_url: r.typeUrl, version_info: keptVersion, response_nonce: r.nonce, resource_names: [], error_detail: { code: 3, message } });
  }

  /** Every response received so far, oldest first. */
  get responses(): readonly ReceivedResponse[] {
    return this.received;
  }

  /** Waits for the `count`-th response (1-based) overall, or of one type when `type` is given. */
  async nth(count: number, type?: XdsResourceType, timeoutMs = 5000): Promise<ReceivedResponse> {
    const pick = (): ReceivedResponse | undefined => this.received.filter((r) => !type || r.type === type)[count - 1];
    await this.until(() => pick() !== undefined, timeoutMs, `response #${count}${type ? ` of ${type}` : ''}`);
    return pick()!;
  }

  /** Waits for the next response (of `type`) after the ones already received. */
  next(type?: XdsResourceType, timeoutMs = 5000): Promise<ReceivedResponse> {
    const have = this.received.filter((r) => !type || r.type === type).length;
    return this.nth(have + 1, type, timeoutMs);
  }

  /**
   * What the client holds of a type after every response so far, by resource name: CDS and LDS
   * responses replace everything; EDS and RDS responses update the resources they carry.
   */
  state(type: XdsResourceType): Map<string, Record<string, unknown>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const r of this.received) {
      if (r.type !== type) continue;
      if (type === 'Cluster' || type === 'Listener') out.clear();
      for (const res of r.resources) out.set(String(res['name'] ?? res['cluster_name']), res);
    }
    return out;
  }

  /** The latest response of a type. */
  latest(type: XdsResourceType): ReceivedResponse | undefined {
    return this.received.filter((r) => r.type === type).at(-1);
  }

  /** Waits until `predicate` holds (re-checked on every response). */
  until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = (): boolean => {
        if (!predicate()) return false;
        done = true;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        done = true;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      if (check()) return;
      const waiter = (): void => {
        if (!done && !check()) this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
    });
  }

  /** Half-closes the stream and closes the channel. */
  close(): void {
    this.call.end();
    this.client.close();
  }

  /** Cancels the stream (as a crashed or killed client would look) and closes the channel. */
  cancel(): void {
    this.call.cancel();
    this.client.close();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
