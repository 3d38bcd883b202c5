import type { KvWatchEntry } from '@nats-io/kv';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { decodeRegistryEntry, REGISTRY_BUCKET, REGISTRY_ENTRY_MAX_AGE_MS } from '@mesh/shared-api';
import type { RegistryService, RegistryWorkload } from '@mesh/shared-api';
import type { MeshInventory } from '../analysis/mesh-inventory.js';
import { mergeInventories } from '../analysis/snapshot.js';
import type { InventorySnapshot } from '../analysis/snapshot.js';
import { KvFollower } from '@mesh/runtime';

/** Options of {@link KvMeshInventory}. */
export interface KvMeshInventoryOptions {
  nc: NatsConnection;
  logger: Logger;
  bucket?: string;
  retryMs?: number;
  /** Values older than this are ignored (the server drops them without telling watchers). */
  maxAgeMs?: number;
  now?: () => number;
}

type Held = { at: number } & ({ type: 'service'; value: RegistryService } | { type: 'workload'; value: RegistryWorkload });

/**
 * The inventory registry owners publish in the `mesh-registry` bucket (contract: shared-api
 * registry/mesh-registry.ts), merged over every publisher. Unavailable until the bucket exists:
 * with no registry owner running, analysis does not judge hosts and workloads.
 */
export class KvMeshInventory implements MeshInventory {
  private readonly entries = new Map<string, Held>();
  /** The merged inventory, until an entry changes or the oldest kept one expires. */
  private cached: { snapshot: InventorySnapshot; validUntil: number; synced: boolean } | undefined;
  private readonly follower: KvFollower;
  private readonly logger: Logger;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(opts: KvMeshInventoryOptions) {
    this.logger = opts.logger.child({ component: 'mesh-inventory' });
    this.maxAgeMs = opts.maxAgeMs ?? REGISTRY_ENTRY_MAX_AGE_MS;
    this.now = opts.now ?? Date.now;
    this.follower = new KvFollower({
      nc: opts.nc,
      bucket: opts.bucket ?? REGISTRY_BUCKET,
      logger: opts.logger,
      retryMs: opts.retryMs,
      handler: {
        reset: (entries) => {
          this.cached = undefined;
          this.entries.clear();
          for (const e of entries.values()) this.put(e);
        },
        change: (e) => {
          this.cached = undefined;
          if (e.operation === 'PUT') this.put(e);
          else this.entries.delete(e.key);
        },
      },
    });
  }

  /** True once the bucket (or its absence) has been loaded. */
  get synced(): boolean {
    return this.follower.synced;
  }

  start(): void {
    this.follower.start();
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  current(): InventorySnapshot {
    const now = this.now();
    const synced = this.follower.synced && this.follower.exists;
    if (this.cached && this.cached.validUntil > now && this.cached.synced === synced) return this.cached.snapshot;
    const oldest = now - this.maxAgeMs;
    const services: RegistryService[] = [];
    const workloads: RegistryWorkload[] = [];
    let firstExpiry = Infinity;
    for (const h of this.entries.values()) {
      if (h.at < oldest) continue;
      firstExpiry = Math.min(firstExpiry, h.at + this.maxAgeMs);
      if (h.type === 'service') services.push(h.value);
      else workloads.push(h.value);
    }
    const snapshot = mergeInventories([{ available: synced, services, workloads }]);
    this.cached = { snapshot, validUntil: firstExpiry, synced };
    return snapshot;
  }

  private put(e: KvWatchEntry): void {
    let decoded;
    try {
      decoded = decodeRegistryEntry(e.key, e.json());
    } catch (err) {
      decoded = { type: 'invalid' as const, reason: (err as Error).message };
    }
    if (decoded.type === 'invalid') {
      this.entries.delete(e.key);
      this.logger.warn({ key: e.key, reason: decoded.reason }, 'registry entry ignored');
      return;
    }
    this.entries.set(e.key, decoded.type === 'service' ? { at: e.created.getTime(), type: 'service', value: decoded.value } : { at: e.created.getTime(), type: 'workload', value: decoded.value });
  }
}
