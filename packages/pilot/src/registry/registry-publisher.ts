import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { REGISTRY_BUCKET, REGISTRY_ENTRY_MAX_AGE_MS, REGISTRY_REFRESH_MS, registryServiceKey, registryWorkloadKey } from '@mesh/shared-api';
import type { RegistryService, RegistryWorkload } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import type { ServiceRegistry } from './service-registry.js';

/** What the publisher learns workloads from: every registered workload, with or without a service. */
export interface WorkloadLister {
  list(): ReadonlyArray<{ id: string; proxy: Proxy }>;
}

/** Options of {@link RegistryPublisher}. */
export interface RegistryPublisherOptions {
  nc: NatsConnection;
  /** The merged registry whose services are published; its change notifications trigger a publish. */
  registry: ServiceRegistry;
  /** Registered workloads (also those serving no service, such as gateways). */
  workloads: WorkloadLister;
  /** This process's publisher id (see `registryPublisherId`): the second token of every key it writes. */
  publisher: string;
  logger: Logger;
  /** Quiet period after a change before publishing (ms). */
  debounceMs?: number;
  /** How often every entry is re-put so it does not expire (ms). */
  refreshMs?: number;
  /** Delay before retrying after a failed publish (ms). */
  retryMs?: number;
  /** Timeout of each JetStream request (ms). */
  timeoutMs?: number;
  bucket?: string;
  /** Called once per failed publish attempt (for a metric); the publisher logs and retries by itself. */
  onError?: (err: unknown) => void;
}

const SOURCE = 'workload-registration';

/**
 * Publishes Pilot's registry into the `mesh-registry` KV bucket (contract in shared-api
 * registry/mesh-registry.ts): after each registry change (debounced) it writes the entries that
 * changed and deletes the ones that are gone; every `refreshMs` it re-puts all of its entries so
 * they outlive the bucket's max age; on stop it deletes all of them. Only keys under its own
 * publisher id are ever written, so Pilot replicas never touch each other's entries.
 */
export class RegistryPublisher {
  private readonly logger: Logger;
  private readonly bucket: string;
  /** Key → JSON of what the bucket holds for us, as far as we know (updated only on success). */
  private readonly published = new Map<string, string>();
  private kv: KV | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private forceAll = false;
  private started = false;
  private stopped = false;
  private off: (() => void) | undefined;
  private statusIter: { stop(): void } | undefined;

  constructor(private readonly opts: RegistryPublisherOptions) {
    this.logger = opts.logger.child({ component: 'registry-publisher' });
    this.bucket = opts.bucket ?? REGISTRY_BUCKET;
  }

  /** Starts following the registry; the first publish happens at once (even when empty). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.off = this.opts.registry.onChange(() => this.schedule(this.opts.debounceMs ?? 100));
    this.refreshTimer = setInterval(() => {
      this.forceAll = true;
      this.schedule(0);
    }, this.opts.refreshMs ?? REGISTRY_REFRESH_MS);
    this.refreshTimer.unref();
    void this.followConnectionStatus();
    this.schedule(0);
  }

  /** Resolves when no publish is scheduled or running (tests, and a clean stop). */
  async settled(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops following and deletes every entry this publisher wrote (best effort). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.off?.();
    this.statusIter?.stop();
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.refreshTimer);
    await this.running;
    if (this.published.size === 0 || !this.kv) return;
    const kv = this.kv;
    const results = await Promise.allSettled([...this.published.keys()].map((k) => kv.delete(k)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.logger.warn({ failed }, 'could not delete every registry entry on stop; they expire with the bucket max age');
    this.published.clear();
  }

  /** The entries this publisher wants in the bucket, derived from the registry now. */
  desired(): Map<string, string> {
    const p = this.opts.publisher;
    const out = new Map<string, string>();
    for (const s of this.opts.registry.services()) {
      // ServiceEntries are config: Galley reads them from the config bucket, with their exportTo.
      if (s.registry === 'ServiceEntry') continue;
      const value: RegistryService = {
        hostname: s.hostname,
        name: s.name,
        namespace: s.namespace,
        ports: s.ports.map((port) => ({ name: port.name, port: port.port, protocol: port.protocol })),
        source: s.registry === 'Kubernetes' ? 'kubernetes' : SOURCE,
      };
      out.set(registryServiceKey(p, s.hostname), JSON.stringify(value));
    }
    for (const { id, proxy } of this.opts.workloads.list()) {
      const value: RegistryWorkload = {
        name: proxy.workloadName || id,
        namespace: proxy.namespace,
        labels: { ...proxy.labels },
        serviceAccount: proxy.serviceAccount,
        addresses: [proxy.ip],
        services: proxy.serviceHostname ? [proxy.serviceHostname] : [],
        source: SOURCE,
      };
      out.set(registryWorkloadKey(p, proxy.namespace, id), JSON.stringify(value));
    }
    return out;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) {
      if (delayMs > 0) return; // a publish is already due; a burst of changes extends nothing
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.publish().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        }
      });
    }, delayMs);
  }

  /** One reconcile pass; on failure it logs, reports and schedules a retry. Never rejects. */
  private async publish(): Promise<void> {
    const forceAll = this.forceAll;
    this.forceAll = false;
    try {
      const kv = (this.kv ??= await this.openBucket());
      const want = this.desired();
      let puts = 0;
      let deletes = 0;
      for (const [key, json] of want) {
        if (!forceAll && this.published.get(key) === json) continue;
        await kv.put(key, json);
        this.published.set(key, json);
        puts++;
      }
      for (const key of [...this.published.keys()]) {
        if (want.has(key)) continue;
        await kv.delete(key);
        this.published.delete(key);
        deletes++;
      }
      if (puts + deletes > 0) this.logger.debug({ puts, deletes, entries: want.size, refresh: forceAll }, 'registry published');
    } catch (err) {
      if (this.stopped) return;
      // The bucket may be gone (NATS lost its store): reopen it, and rewrite everything, next time.
      this.kv = undefined;
      this.forceAll = true;
      this.opts.onError?.(err);
      this.logger.warn({ err, bucket: this.bucket }, 'publishing the registry failed; retrying');
      const retry = setTimeout(() => this.schedule(0), this.opts.retryMs ?? 1000);
      retry.unref();
    }
  }

  /** Creates the bucket with the contract's max age, or binds to it when it exists. */
  private async openBucket(): Promise<KV> {
    const js = jetstream(this.opts.nc, { timeout: this.opts.timeoutMs ?? 5000 });
    const kvm = new Kvm(js);
    try {
      return await kvm.create(this.bucket, { history: 1, ttl: REGISTRY_ENTRY_MAX_AGE_MS });
    } catch (err) {
      // Created earlier with other settings (by an older build or an operator): use it as it is.
      this.logger.debug({ err, bucket: this.bucket }, 'binding to the existing registry bucket');
      return kvm.open(this.bucket);
    }
  }

  /** After a reconnect the server may have lost the bucket (no persistence): rewrite everything. */
  private async followConnectionStatus(): Promise<void> {
    const iter = this.opts.nc.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
    this.statusIter = { stop: () => iter.stop?.() };
    try {
      for await (const s of iter) {
        if (s.type === 'reconnect' && !this.stopped) {
          this.kv = undefined;
          this.forceAll = true;
          this.schedule(0);
        }
      }
    } catch (err) {
      this.logger.debug({ err }, 'NATS status stream ended');
    }
  }
}
