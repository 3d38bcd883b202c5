import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV, KvEntry } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { CONFIG_BUCKET, configKey, configKeyPrefix, MeshError } from '@mesh/shared-api';
import type { ConfigEventType, ConfigResource, KindInfo } from '@mesh/shared-api';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { NatsConnectionState } from '../nats/connection-state.js';
import { jsonEqual } from '../patch/json-value.js';
import type { ConfigEventPublisher } from './config-event-publisher.js';
import { NatsConfigEventPublisher } from './config-event-publisher.js';
import type { ConfigList, ConfigStore, DeletePreconditions, RevisionWindow, StoreWatch, WatchStart, WriteOptions } from './config-store.js';
import { openStoreWatch } from './config-watch.js';
import { JsAckPublisher } from './js-ack-publisher.js';
import { decodeStored, identity, isTransportFailure, isWrongLastSequence, rfc3339, storedForm } from './kv-codec.js';
import { APPLY_BATCH_HEADER, CONFIG_OP_HEADER, EXPECTED_LAST_SUBJECT_SEQUENCE_HEADER, KV_OPERATION_HEADER } from './kv-headers.js';
import type { ConfigWriteOp } from './kv-headers.js';
import { alreadyExists, conflict, notFound, unavailable } from './store-errors.js';

/** Revisions kept per key: enough to inspect recent changes, small enough to stay cheap. */
export const CONFIG_BUCKET_HISTORY = 10;
const MIN_HISTORY = 5;
/** Parallel reads while listing; bounds the burst a large list puts on NATS. */
const LIST_READ_CONCURRENCY = 32;
/**
 * How much of its own last writes (stored JSON, in UTF-16 code units) the store remembers for
 * {@link KvConfigStore.recent}, so PATCH reads them instead of the bucket: 16 Mi units (≈ 32 MB) hold
 * the whole config of a large mesh (10,000 objects of a few KB), oldest dropped first beyond it.
 */
const RECENT_WRITES_UNITS = 16 * 1024 * 1024;

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

/** The last message on a key: its revision (0 when the key never had one) and the live object, if any. */
export interface KeyState {
  readonly key: string;
  readonly revision: number;
  readonly object?: ConfigResource;
}

/** A message of the config stream as recovery needs it. */
export interface StoredWrite {
  readonly revision: number;
  readonly batch?: string;
  readonly deleted: boolean;
}

/**
 * {@link ConfigStore} over a JetStream KV bucket. The KV revision of a key is its object's
 * resourceVersion (set on read, never stored), so every write is a compare-and-set against the
 * revision the caller saw: create expects "no live value", replace and delete expect the
 * current revision. Galley replicas sharing the bucket therefore never overwrite each other.
 * Writes are published to the bucket's stream directly (the KV wire format, plus the headers in
 * kv-headers.ts) so they can carry the CAS precondition, the operation and a batch id together.
 */
export class KvConfigStore implements ConfigStore {
  private closed = false;
  private lastWritten = 0;
  /** The value and revision of this store's last writes, newest last (see {@link recent}). */
  private readonly recentWrites = new Map<string, { revision: number; data: string }>();
  private recentUnits = 0;
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly watches = new Set<StoreWatch>();

  private constructor(
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
    private readonly publisher: ConfigEventPublisher,
    private readonly connection: NatsConnectionState,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly acks: JsAckPublisher,
  ) {
    this.stream = `KV_${bucket}`;
    this.subjectPrefix = `$KV.${bucket}.`;
    connection.onDisconnect(() => this.stopWatches());
  }

  /** Opens the bucket, creating it when missing. */
  static async open(opts: KvConfigStoreOptions): Promise<KvConfigStore> {
    const bucket = opts.bucket ?? CONFIG_BUCKET;
    const logger = opts.logger.child({ component: 'config-store' });
    const timeout = opts.timeoutMs ?? 5000;
    const js = jetstream(opts.nc, { timeout });
    const kv = await new Kvm(js).create(bucket, { history: CONFIG_BUCKET_HISTORY });
    const status = await kv.status();
    // An existing bucket keeps the settings it was made with; say so when they are thinner than ours.
    if (status.history < MIN_HISTORY) logger.warn({ bucket, history: status.history }, `bucket keeps fewer than ${MIN_HISTORY} revisions per key`);
    logger.info({ bucket, values: status.values }, 'config bucket open');
    const publisher = opts.publisher ?? new NatsConfigEventPublisher(opts.nc, logger);
    const jsm = await js.jetstreamManager();
    const connection = new NatsConnectionState(opts.nc, logger);
    return new KvConfigStore(kv, js, jsm, bucket, publisher, connection, logger, opts.now ?? (() => new Date()), new JsAckPublisher(opts.nc, timeout));
  }

  /** The highest revision this store has written (0 before its first write): what its writers have been told is stored. */
  get lastWrittenRevision(): number {
    return this.lastWritten;
  }

  /** True from open until {@link close}. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** True while the NATS connection is up (store calls fail fast with UNAVAILABLE otherwise). */
  get isConnected(): boolean {
    return this.connection.isConnected;
  }

  /** Marks the store closed and ends its watches (the NATS connection is the caller's). Idempotent. */
  close(): void {
    this.closed = true;
    this.stopWatches();
    this.acks.close();
  }

  get(kind: KindInfo, namespace: string | undefined, name: string): Promise<ConfigResource | undefined> {
    return this.guard(async () => (await this.state(kind, namespace, name)).object);
  }

  recent(kind: KindInfo, namespace: string | undefined, name: string): Promise<ConfigResource | undefined> {
    const key = configKey(kind, namespace ?? '', name);
    const known = this.recentWrites.get(key);
    if (!known) return this.get(kind, namespace, name);
    return Promise.resolve(decodeStored(Buffer.from(known.data), known.revision, key));
  }

  /** The last message on an object's key (any operation) and the live object, if there is one. */
  state(kind: KindInfo, namespace: string | undefined, name: string): Promise<KeyState> {
    return this.stateOfKey(configKey(kind, namespace ?? '', name));
  }

  /** {@link state} by KV key. */
  stateOfKey(key: string): Promise<KeyState> {
    return this.guard(async () => {
      const entry = await this.kv.get(key);
      if (!entry) return { key, revision: 0 };
      return entry.operation === 'PUT' ? { key, revision: entry.revision, object: decode(entry) } : { key, revision: entry.revision };
    });
  }

  list(kind: KindInfo, namespace?: string): Promise<ConfigList> {
    return this.guard(async () => {
      // The revision is read before the keys: a watch resumed from it may repeat a change, never miss one.
      const revision = (await this.kv.status()).streamInfo.state.last_seq;
      const keys: string[] = [];
      for await (const key of await this.kv.keys(`${configKeyPrefix(kind, kind.namespaced ? namespace : undefined)}>`)) keys.push(key);
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

  create(kind: KindInfo, obj: ConfigResource, opts: WriteOptions = {}): Promise<ConfigResource> {
    return this.guard(async () => {
      const { name, namespace } = identity(kind, obj);
      const key = configKey(kind, namespace ?? '', name);
      const stored = storedForm(obj, { uid: randomUUID(), creationTimestamp: rfc3339(this.now()), generation: 1 });
      if (opts.dryRun) {
        const entry = await this.kv.get(key);
        if (entry?.operation === 'PUT') throw alreadyExists(kind, name);
        if (opts.expectedRevision !== undefined && (entry?.revision ?? 0) !== opts.expectedRevision) throw conflict(kind, name);
        return stored;
      }
      const data = JSON.stringify(stored);
      let revision: number;
      if (opts.expectedRevision !== undefined) {
        revision = await this.casWrite(key, data, 'create', opts.expectedRevision, opts.batch, () => conflict(kind, name));
      } else {
        try {
          revision = await this.write(key, data, 'create', 0, opts.batch);
        } catch (err) {
          if (!isWrongLastSequence(err)) throw err;
          // The key has messages: creating is allowed only over a delete marker (as `kv.create` does).
          const last = await this.kv.get(key);
          if (!last || last.operation === 'PUT') throw alreadyExists(kind, name);
          revision = await this.casWrite(key, data, 'create', last.revision, opts.batch, () => alreadyExists(kind, name));
        }
      }
      return this.announce('ADDED', key, revision, stored);
    });
  }

  replace(kind: KindInfo, obj: ConfigResource, opts: WriteOptions = {}): Promise<ConfigResource> {
    return this.guard(async () => {
      const { name, namespace } = identity(kind, obj);
      const key = configKey(kind, namespace ?? '', name);
      let current: ConfigResource;
      let revision: number;
      if (opts.current?.metadata.resourceVersion !== undefined) {
        current = opts.current;
        revision = Number(opts.current.metadata.resourceVersion);
      } else {
        const entry = await this.kv.get(key);
        if (!entry || entry.operation !== 'PUT') throw notFound(kind, name);
        current = decode(entry);
        revision = entry.revision;
      }
      const given = obj.metadata.resourceVersion;
      if (given !== undefined && given !== String(revision)) throw conflict(kind, name);
      if (obj.metadata.uid !== undefined && obj.metadata.uid !== current.metadata.uid) {
        throw conflict(kind, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      // Kubernetes semantics: generation counts changes of the desired state (spec), not of metadata.
      const generation = (current.metadata.generation ?? 1) + (jsonEqual(current.spec, obj.spec) ? 0 : 1);
      const stored = storedForm(obj, { uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, generation });
      if (opts.dryRun) return { ...stored, metadata: { ...stored.metadata, resourceVersion: String(revision) } };
      const written = await this.casWrite(key, JSON.stringify(stored), 'update', revision, opts.batch, () => conflict(kind, name));
      return this.announce('MODIFIED', key, written, stored);
    });
  }

  delete(kind: KindInfo, namespace: string | undefined, name: string, preconditions: DeletePreconditions = {}, opts: WriteOptions = {}): Promise<ConfigResource> {
    return this.guard(async () => {
      const key = configKey(kind, namespace ?? '', name);
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') throw notFound(kind, name);
      const current = decode(entry);
      if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== String(entry.revision)) {
        throw conflict(kind, name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${entry.revision}`);
      }
      if (preconditions.uid !== undefined && preconditions.uid !== current.metadata.uid) {
        throw conflict(kind, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      if (opts.dryRun) return current;
      const { resourceVersion: _rv, ...metadata } = current.metadata;
      const before = { ...current, metadata };
      const revision = await this.casWrite(key, JSON.stringify(before), 'delete', entry.revision, opts.batch, () => conflict(kind, name));
      return this.announce('DELETED', key, revision, before);
    });
  }

  /**
   * Undoes one write of an atomic apply: puts `previous` back (or deletes the object when there
   * was none), only if the key is still at `expectedRevision` (the write being undone).
   */
  restore(kind: KindInfo, key: string, current: ConfigResource, previous: ConfigResource | undefined, expectedRevision: number, batch: string): Promise<number> {
    return this.guard(async () => {
      const name = current.metadata.name;
      const strip = (o: ConfigResource): ConfigResource => {
        const { resourceVersion: _rv, ...metadata } = o.metadata;
        return { ...o, metadata };
      };
      if (previous) {
        const revision = await this.casWrite(key, JSON.stringify(strip(previous)), 'update', expectedRevision, batch, () => conflict(kind, name));
        this.announce('MODIFIED', key, revision, strip(previous));
        return revision;
      }
      const revision = await this.casWrite(key, JSON.stringify(strip(current)), 'delete', expectedRevision, batch, () => conflict(kind, name));
      this.announce('DELETED', key, revision, strip(current));
      return revision;
    });
  }

  /** The first message on `key` after `revision` (recovery: was it written by a given batch?). */
  writeAfter(key: string, revision: number): Promise<StoredWrite | undefined> {
    return this.guard(async () => {
      const m = await this.jsm.direct.getMessage(this.stream, { seq: revision + 1, next_by_subj: `${this.subjectPrefix}${key}` });
      if (!m) return undefined;
      const op = m.header?.get(KV_OPERATION_HEADER) ?? '';
      return { revision: m.seq, batch: m.header?.get(APPLY_BATCH_HEADER) || undefined, deleted: op === 'DEL' || op === 'PURGE' };
    });
  }

  /** The value of `key` at exactly `revision`, when the bucket still holds it and it is live. */
  valueAt(key: string, revision: number): Promise<ConfigResource | undefined> {
    return this.guard(async () => {
      const entry = await this.kv.get(key, { revision });
      return entry && entry.operation === 'PUT' && entry.key === key ? decode(entry) : undefined;
    });
  }

  watch(kind: KindInfo, namespace: string | undefined, start: WatchStart): Promise<StoreWatch> {
    return this.guard(async () => {
      if (this.closed || !this.connection.isConnected) throw unavailable(new Error('not connected to NATS'));
      const inner = await openStoreWatch({ js: this.js, stream: this.stream, subjectPrefix: this.subjectPrefix, logger: this.logger }, configKeyPrefix(kind, kind.namespaced ? namespace : undefined), start);
      const watches = this.watches;
      const tracked: StoreWatch = {
        [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
        stop: () => {
          watches.delete(tracked);
          inner.stop();
        },
      };
      watches.add(tracked);
      return tracked;
    });
  }

  revisionWindow(): Promise<RevisionWindow> {
    return this.guard(async () => {
      const state = (await this.kv.status()).streamInfo.state;
      return { first: state.first_seq, last: state.last_seq };
    });
  }

  private stopWatches(): void {
    for (const w of [...this.watches]) w.stop();
  }

  /** Publishes one KV message with the CAS precondition and Galley's headers; returns its revision. */
  private async write(key: string, data: string, op: ConfigWriteOp, expected: number, batch: string | undefined): Promise<number> {
    const h = headers();
    h.set(EXPECTED_LAST_SUBJECT_SEQUENCE_HEADER, String(expected));
    h.set(CONFIG_OP_HEADER, op);
    if (op === 'delete') h.set(KV_OPERATION_HEADER, 'DEL');
    if (batch) h.set(APPLY_BATCH_HEADER, batch);
    const seq = await this.acks.publish(`${this.subjectPrefix}${key}`, data, h);
    this.lastWritten = Math.max(this.lastWritten, seq);
    this.remember(key, op === 'delete' ? undefined : data, seq);
    return seq;
  }

  /** Keeps (or, for a delete or a lost compare-and-set, forgets) the last write of `key`; bounded, oldest dropped first. */
  private remember(key: string, data: string | undefined, revision: number): void {
    this.forget(key);
    if (data === undefined) return;
    this.recentWrites.set(key, { revision, data });
    this.recentUnits += data.length;
    while (this.recentUnits > RECENT_WRITES_UNITS) this.forget(this.recentWrites.keys().next().value!);
  }

  private forget(key: string): void {
    const known = this.recentWrites.get(key);
    if (!known) return;
    this.recentWrites.delete(key);
    this.recentUnits -= known.data.length;
  }

  /** {@link write}, mapping a lost compare-and-set to the caller's error. */
  private async casWrite(key: string, data: string, op: ConfigWriteOp, expected: number, batch: string | undefined, lost: () => MeshError): Promise<number> {
    try {
      return await this.write(key, data, op, expected, batch);
    } catch (err) {
      if (isWrongLastSequence(err)) {
        this.forget(key);
        throw lost();
      }
      throw err;
    }
  }

  /** Maps NATS transport failures to UNAVAILABLE (503), failing fast while disconnected; domain errors and bugs pass through. */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    if (!this.connection.isConnected) throw unavailable(new Error('not connected to NATS'));
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

function decode(entry: KvEntry): ConfigResource {
  return decodeStored(entry.value, entry.revision, entry.key);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
