import { parseSettings } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import type { AnyMessage, XdsResourceType } from '@mesh/shared-api';
import { buildSidecarConfig, sidecarSettingSpecs } from '../config.js';
import type { RequestInfo } from '../proxy/observer.js';
import type { OriginalDestinationSource } from '../proxy/original-destination.js';
import type { RandomSource } from '../routing/load-balancing.js';
import { Sidecar } from '../sidecar.js';
import { FakeAdsServer } from './fake-ads-server.js';
import type { TestReply } from './test-upstream.js';
import { sendRequest } from './test-upstream.js';

/** The xDS resources of one configuration push (types left out keep what they had). */
export interface HarnessConfig {
  readonly clusters?: AnyMessage[];
  readonly endpoints?: AnyMessage[];
  readonly listeners?: AnyMessage[];
  readonly routes?: AnyMessage[];
}

/**
 * A sidecar (outbound only) connected to an in-process fake Pilot, for feature tests:
 * `apply()` pushes resources and waits until the sidecar ACKs them (or throws with its NACK),
 * `request()` sends through the outbound listener, `seen` holds every finished request.
 */
export class SidecarHarness {
  readonly ads = new FakeAdsServer();
  readonly seen: RequestInfo[] = [];
  sidecar!: Sidecar;

  /** Starts the fake Pilot and the sidecar with `initial` config and waits for it to sync. */
  async start(initial: HarnessConfig, opts: { random?: RandomSource; env?: Record<string, string>; originalDestinations?: OriginalDestinationSource } = {}): Promise<void> {
    await this.ads.start();
    this.set(initial);
    const parsed = parseSettings(sidecarSettingSpecs, [], {
      MESH_SIDECAR_PILOT_ADDRESS: this.ads.address,
      MESH_SIDECAR_OUTBOUND_PORT: '0',
      MESH_SIDECAR_INBOUND_PORT: '0',
      MESH_SIDECAR_INBOUND_BIND_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: '0',
      MESH_SIDECAR_LABELS: 'version=v1',
      MESH_SIDECAR_WORKLOAD_NAME: 'client-v1-test',
      MESH_DRAIN_MS: '500',
      ...opts.env,
    });
    if (parsed.help) throw new Error('unexpected help');
    this.sidecar = new Sidecar({
      config: buildSidecarConfig(parsed.settings),
      logger: silentLogger(),
      observers: [{ onRequestComplete: (i) => this.seen.push(i) }],
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.originalDestinations ? { originalDestinations: opts.originalDestinations } : {}),
    });
    await this.sidecar.start();
    await this.sidecar.whenSynced(5000);
  }

  /** Pushes resources and resolves once the sidecar ACKed every type pushed; rejects with the NACK message. */
  async apply(config: HarnessConfig, timeoutMs = 5000): Promise<void> {
    const types = this.set(config);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = types.filter((t) => !this.acked(t));
      const nack = types.map((t) => this.nackOf(t)).find((m) => m !== undefined);
      if (nack) throw new Error(nack);
      if (pending.length === 0) return;
      if (Date.now() > deadline) throw new Error(`no ACK for ${pending.join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The outbound listener's port. */
  get port(): number {
    return this.sidecar.ports.outbound;
  }

  /** One request through the outbound listener. */
  request(host: string, path = '/', opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<TestReply> {
    return sendRequest(this.port, path, { host, ...opts });
  }

  /** The sidecar's /stats counter value. */
  stat(name: string): number {
    return this.sidecar.stats.get(name);
  }

  /** Waits until `check` holds (polling every 10 ms). */
  async until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops the sidecar and the fake Pilot. */
  async stop(): Promise<void> {
    await this.sidecar?.stop();
    await this.ads.stop();
  }

  private set(config: HarnessConfig): XdsResourceType[] {
    const types: XdsResourceType[] = [];
    const put = (type: XdsResourceType, r: AnyMessage[] | undefined) => {
      if (!r) return;
      this.ads.set(type, r);
      types.push(type);
    };
    put('Cluster', config.clusters);
    put('ClusterLoadAssignment', config.endpoints);
    put('Listener', config.listeners);
    put('RouteConfiguration', config.routes);
    return types;
  }

  private acked(type: XdsResourceType): boolean {
    const v = this.ads.version(type);
    return this.ads.requests.some((r) => r.type === type && r.request.version_info === v && !r.request.error_detail);
  }

  private nackOf(type: XdsResourceType): string | undefined {
    const v = this.ads.version(type);
    const n = this.ads.requests.find((r) => r.type === type && r.request.error_detail && this.nonceVersion(r.request.response_nonce) === v);
    return n?.request.error_detail?.message;
  }

  private nonceVersion(nonce: string): string | undefined {
    return this.ads.versionOfNonce(nonce);
  }
}
