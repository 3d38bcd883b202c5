import { randomUUID } from 'node:crypto';
import { jetstream, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV, KvEntry } from '@nats-io/kv';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, Empty, headers, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { CONFIG_BUCKET, configKey, configKeyPrefix, MeshError } from '@mesh/shared-api';
import type { ConfigEventType, ConfigResource, KindInfo, ObjectMeta } from '@mesh/shared-api';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { canonicalJson } from './canonical-json.js';
import type { ConfigEventPublisher } from './config-event-publisher.js';
import { NatsConfigEventPublisher } from './config-event-publisher.js';
import type { ConfigList, ConfigStore, DeletePreconditions } from './config-store.js';
import { alreadyExists, conflict, notFound, unavailable } from './store-errors.js';

/** Revisions kept per key: enough to inspect recent changes, small enough to stay cheap. */
export const CONFIG_BUCKET_HISTORY = 10;
const MIN_HISTORY = 5;
/** Parallel reads while listing; bounds the burst a large list puts on NATS. */
const LIST_READ_CONCURRENCY = 32;

/** Options for {@link KvConfigStore.open}. */
export interface KvConfigStoreOptions {
  nc: NatsConnection;
  logger: Logger;
  /** Where changes are announced; defaults to `CONFIG_EVENTS_SUBJECT` on `nc`. */
  publisher?: ConfigEventPublisher;
  bucket?: string;
  /** Timeout of each JetStream request (ms). */
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * {@link ConfigStore} over a JetStream KV bucket. The KV revision of a key is its object's
 * resourceVersion (set on read, never stored), so every write is a compare-and-set against the
 * revision the caller saw: create expects "no live value", replace and delete expect the
 * current revision. Galley replicas sharing the bucket therefore never overwrite each other.
 */
export class KvConfigStore implements ConfigStore {
  private closed = false;

  private constructor(
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly bucket: string,
    private readonly publisher: ConfigEventPublisher,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  /** Opens the bucket, creating it when missing. */
  static async open(opts: KvConfigStoreOptions): Promise<KvConfigStore> {
    const bucket = opts.bucket ?? CONFIG_BUCKET;
    const logger = opts.logger.child({ component: 'config-store' });
    const js = jetstream(opts.nc, { timeout: opts.timeoutMs ?? 5000 });
    const kv = await new Kvm(js).create(bucket, { history: CONFIG_BUCKET_HISTORY });
    const status = await kv.status();
    // An existing bucket keeps the settings it was made with; say so when they are thinner than ours.
    if (status.history < MIN_HISTORY) logger.warn({ bucket, history: status.history }, `bucket keeps fewer than ${MIN_HISTORY} revisions per key`);
    logger.info({ bucket, values: status.values }, 'config bucket open');
    const publisher = opts.publisher ?? new NatsConfigEventPublisher(opts.nc, logger);
    return new KvConfigStore(kv, js, bucket, publisher, logger, opts.now ?? (() => new Date()));
  }

  /** True from open until {@link close}. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Marks the store closed (the NATS connection is owned and closed by the caller). Idempotent. */
  close(): void {
    this.closed = true;
  }

  get(kind: KindInfo, namespace: string, name: string): Promise<ConfigResource | undefined> {
    return this.guard(async () => {
      const entry = await this.kv.get(configKey(kind, namespace, name));
      return entry && entry.operation === 'PUT' ? decode(entry) : undefined;
    });
  }

  list(kind: KindInfo, namespace?: string): Promise<ConfigList> {
    return this.guard(async () => {
      // The revision is read before the keys: a watch resumed from it may repeat a change, never miss one.
      const revision = (await this.kv.status()).streamInfo.state.last_seq;
      const keys: string[] = [];
      for await (const key of await this.kv.keys(`${configKeyPrefix(kind, namespace)}>`)) keys.push(key);
      const items: ConfigResource[] = [];
      for (let i = 0; i < keys.length; i += LIST_READ_CONCURRENCY) {
        const entries = await Promise.all(keys.slice(i, i + LIST_READ_CONCURRENCY).map((k) => this.kv.get(k)));
        for (const entry of entries) {
          if (!entry || entry.operation !== 'PUT') continue; // deleted since the keys were read
          try {
            items.push(decode(entry));
          } catch (err) {
            this.logger.error({ err, key: entry.key, revision: entry.revision }, 'stored value is not a config object; skipped');
          }
        }
      }
      items.sort((a, b) => compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(a.metadata.name, b.metadata.name));
      return { items, resourceVersion: String(revision) };
    });
  }

  create(kind: KindInfo, obj: ConfigResource): Promise<ConfigResource> {
    return this.guard(async () => {
      const { name, namespace } = identity(obj);
      const key = configKey(kind, namespace, name);
      const stored = storedForm(obj, { uid: randomUUID(), creationTimestamp: rfc3339(this.now()), generation: 1 });
      let revision: number;
      try {
        // create() succeeds only when the key has no live value (absent, deleted or purged).
        revision = await this.kv.create(key, JSON.stringify(stored));
      } catch (err) {
        if (isWrongLastSequence(err)) throw alreadyExists(kind, name);
        throw err;
      }
      return this.announce('ADDED', key, revision, stored);
    });
  }

  replace(kind: KindInfo, obj: ConfigResource): Promise<ConfigResource> {
    return this.guard(async () => {
      const { name, namespace } = identity(obj);
      const key = configKey(kind, namespace, name);
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') throw notFound(kind, name);
      const current = decode(entry);
      const given = obj.metadata.resourceVersion;
      if (given !== undefined && given !== String(entry.revision)) throw conflict(kind, name);
      if (obj.metadata.uid !== undefined && obj.metadata.uid !== current.metadata.uid) {
        throw conflict(kind, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      // Kubernetes semantics: generation counts changes of the desired state (spec), not of metadata.
      const generation = (current.metadata.generation ?? 1) + (canonicalJson(current.spec) === canonicalJson(obj.spec) ? 0 : 1);
      const stored = storedForm(obj, { uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, generation });
      let revision: number;
      try {
        revision = await this.kv.update(key, JSON.stringify(stored), entry.revision);
      } catch (err) {
        if (isWrongLastSequence(err)) throw conflict(kind, name);
        throw err;
      }
      return this.announce('MODIFIED', key, revision, stored);
    });
  }

  delete(kind: KindInfo, namespace: string, name: string, preconditions: DeletePreconditions = {}): Promise<ConfigResource> {
    return this.guard(async () => {
      const key = configKey(kind, namespace, name);
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') throw notFound(kind, name);
      const current = decode(entry);
      if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== String(entry.revision)) {
        throw conflict(kind, name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${entry.revision}`);
      }
      if (preconditions.uid !== undefined && preconditions.uid !== current.metadata.uid) {
        throw conflict(kind, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      let revision: number;
      try {
        revision = await this.writeDeleteMarker(key, entry.revision);
      } catch (err) {
        if (isWrongLastSequence(err)) throw conflict(kind, name);
        throw err;
      }
      const { resourceVersion: _rv, ...metadata } = current.metadata;
      return this.announce('DELETED', key, revision, { ...current, metadata });
    });
  }

  /**
   * Writes a KV delete marker (an empty message with `KV-Operation: DEL`, as the KV protocol
   * defines: https://github.com/nats-io/nats-architecture-and-design/blob/main/adr/ADR-8.md)
   * guarded by the revision we read. Done here rather than with `kv.delete()` because that
   * discards the publish ack, and the DELETED event must carry the deletion's revision.
   */
  private async writeDeleteMarker(key: string, expectedRevision: number): Promise<number> {
    const h = headers();
    h.set('KV-Operation', 'DEL');
    h.set('Nats-Expected-Last-Subject-Sequence', String(expectedRevision));
    const ack = await this.js.publish(`$KV.${this.bucket}.${key}`, Empty, { headers: h });
    return ack.seq;
  }

  /** Maps NATS transport failures to UNAVAILABLE (503); domain errors and bugs pass through. */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof MeshError) throw err;
      if (isTransportFailure(err)) throw unavailable(err);
      throw err;
    }
  }

  private announce(type: ConfigEventType, key: string, revision: number, stored: ConfigResource): ConfigResource {
    const object = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(revision) } };
    this.publisher.publish({ type, key, revision, object });
    this.logger.debug({ type, key, revision }, 'config changed');
    return object;
  }
}

function identity(obj: ConfigResource): { name: string; namespace: string } {
  const namespace = obj.metadata.namespace;
  if (!namespace) throw new Error(`config object ${obj.metadata.name} reached the store without a namespace`);
  return { name: obj.metadata.name, namespace };
}

/** The value written to KV: the object without its resourceVersion, with server-managed fields set. */
function storedForm(obj: ConfigResource, server: Pick<ObjectMeta, 'uid' | 'creationTimestamp' | 'generation'>): ConfigResource {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...metadata, ...server }, spec: obj.spec };
}

function decode(entry: KvEntry): ConfigResource {
  const obj = entry.json<ConfigResource>();
  if (typeof obj !== 'object' || obj === null || typeof obj.metadata !== 'object' || obj.metadata === null) {
    throw new Error(`value at ${entry.key} is not a config object`);
  }
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(entry.revision) } };
}

function isWrongLastSequence(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

const TRANSPORT_FAILURES = [TimeoutError, ClosedConnectionError, DrainingConnectionError, ConnectionError, NoRespondersError, RequestError];

function isTransportFailure(err: unknown): boolean {
  // A JetStream API 503 means no JetStream server answered (e.g. during a NATS restart).
  return TRANSPORT_FAILURES.some((c) => err instanceof c) || (err instanceof JetStreamApiError && err.status === 503);
}

/** Kubernetes timestamps are RFC 3339 with whole seconds. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
