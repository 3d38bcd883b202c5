import { KINDS, MeshError } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import { canonicalJson } from '../store/canonical-json.js';
import type { ConfigStore } from '../store/config-store.js';
import { isOwnedBy, ownerOf } from './ownership.js';
import type { Origin, SourceName } from './ownership.js';
import type { SourceMetrics } from './source-metrics.js';
import { NOOP_SOURCE_METRICS } from './source-metrics.js';

/** What an upsert did. `conflict`: another owner holds the object, so it was left alone. */
export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'conflict';

/** What a removal did. `not-owned`: the stored object belongs to someone else and was kept. */
export type RemoveOutcome = 'deleted' | 'absent' | 'not-owned';

/** One change of a batch: store `object` (create or update), or delete the named object. */
export type BatchChange =
  | { readonly kind: KindInfo; readonly upsert: ConfigResource }
  | { readonly kind: KindInfo; readonly delete: { readonly namespace: string | undefined; readonly name: string } };

/** An object the batch could not touch because someone else owns it. */
export interface OwnershipConflict {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly owner: string;
}

/** The result of a batch: applied (with counts), or refused before any write because of conflicts. */
export type BatchOutcome = { ok: true; created: number; updated: number; deleted: number; unchanged: number } | { ok: false; conflicts: OwnershipConflict[] };

/** A stored object and its kind. */
export interface StoredObject {
  readonly kind: KindInfo;
  readonly object: ConfigResource;
}

/** Options of {@link SourceWriter}. */
export interface SourceWriterOptions {
  store: ConfigStore;
  source: SourceName;
  logger: Logger;
  metrics?: SourceMetrics;
}

/** Compare-and-set attempts before a write gives up (another writer kept changing the object). */
const MAX_ATTEMPTS = 5;

type Step =
  | { op: 'create'; kind: KindInfo; desired: ConfigResource }
  | { op: 'update'; kind: KindInfo; desired: ConfigResource; current: ConfigResource }
  | { op: 'delete'; kind: KindInfo; current: ConfigResource };

/**
 * The write path of the config sources: admitted objects go to the same {@link ConfigStore} the API
 * writes to, under the ownership rule (see ownership.ts). Writes are compare-and-set against the
 * revision just read and are skipped when nothing changed, so resyncs and several Galley replicas
 * applying the same input converge without churn.
 */
export class SourceWriter {
  private readonly metrics: SourceMetrics;
  private readonly logger: Logger;
  /** Keys already reported as conflicts: warned once, then debug, until the conflict clears. */
  private readonly conflicted = new Set<string>();

  constructor(private readonly opts: SourceWriterOptions) {
    this.metrics = opts.metrics ?? NOOP_SOURCE_METRICS;
    this.logger = opts.logger;
  }

  /** Creates or updates `desired` unless another owner holds it. */
  async upsert(kind: KindInfo, desired: ConfigResource, origin: Origin): Promise<UpsertOutcome> {
    const { store } = this.opts;
    const namespace = desired.metadata.namespace;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await store.get(kind, namespace, desired.metadata.name);
      try {
        if (!current) {
          await store.create(kind, desired);
          this.written(kind, desired, 'create');
          return 'created';
        }
        if (!isOwnedBy(current, origin)) {
          this.conflict(kind, current);
          return 'conflict';
        }
        if (sameContent(current, desired)) {
          this.conflicted.delete(keyOf(kind, current));
          return 'unchanged';
        }
        await store.replace(kind, withRevision(desired, current));
        this.written(kind, desired, 'update');
        return 'updated';
      } catch (err) {
        if (!isRace(err)) throw err;
      }
    }
    throw lostRace(kind, desired.metadata.name);
  }

  /** Deletes the object when `origin` owns it. */
  async remove(kind: KindInfo, namespace: string | undefined, name: string, origin: Origin): Promise<RemoveOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.opts.store.get(kind, namespace, name);
      if (!current) return 'absent';
      if (!isOwnedBy(current, origin)) return 'not-owned';
      try {
        await this.opts.store.delete(kind, namespace, name, { resourceVersion: current.metadata.resourceVersion });
        this.written(kind, current, 'delete');
        return 'deleted';
      } catch (err) {
        if (err instanceof MeshError && err.code === 'NOT_FOUND') return 'absent';
        if (!isRace(err)) throw err;
      }
    }
    throw lostRace(kind, name);
  }

  /** Every stored object of `kinds` (default: all) for which `owned` holds. */
  async listOwned(owned: (obj: ConfigResource) => boolean, kinds: readonly KindInfo[] = KINDS): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const kind of kinds) {
      const { items } = await this.opts.store.list(kind);
      for (const object of items) if (owned(object)) out.push({ kind, object });
    }
    return out;
  }

  /**
   * Applies a group of changes all-or-nothing, as far as a KV bucket without transactions allows:
   * ownership is checked for every object before the first write (any conflict refuses the whole
   * batch), and if a write fails part-way the writes already made are undone in reverse order.
   */
  async applyBatch(changes: readonly BatchChange[], origin: Origin): Promise<BatchOutcome> {
    const steps: Step[] = [];
    const conflicts: OwnershipConflict[] = [];
    let unchanged = 0;
    for (const change of changes) {
      if ('upsert' in change) {
        const desired = change.upsert;
        const current = await this.opts.store.get(change.kind, desired.metadata.namespace, desired.metadata.name);
        if (current && !isOwnedBy(current, origin)) conflicts.push(conflictOf(change.kind, current));
        else if (!current) steps.push({ op: 'create', kind: change.kind, desired });
        else if (!sameContent(current, desired)) steps.push({ op: 'update', kind: change.kind, desired, current });
        else unchanged++;
      } else {
        const current = await this.opts.store.get(change.kind, change.delete.namespace, change.delete.name);
        if (current && isOwnedBy(current, origin)) steps.push({ op: 'delete', kind: change.kind, current });
      }
    }
    if (conflicts.length > 0) {
      for (const c of conflicts) this.metrics.recordConflict(this.opts.source, c.kind);
      return { ok: false, conflicts };
    }
    const undo: (() => Promise<unknown>)[] = [];
    try {
      for (const step of steps) undo.push(await this.runStep(step));
    } catch (err) {
      await this.rollBack(undo);
      throw err;
    }
    const count = (op: Step['op']) => steps.filter((s) => s.op === op).length;
    return { ok: true, created: count('create'), updated: count('update'), deleted: count('delete'), unchanged };
  }

  /** Runs one step and returns how to undo it. */
  private async runStep(step: Step): Promise<() => Promise<unknown>> {
    const { store } = this.opts;
    const { kind } = step;
    if (step.op === 'create') {
      const created = await store.create(kind, step.desired);
      this.written(kind, created, 'create');
      return () => store.delete(kind, created.metadata.namespace, created.metadata.name, { resourceVersion: created.metadata.resourceVersion });
    }
    if (step.op === 'update') {
      const updated = await store.replace(kind, withRevision(step.desired, step.current));
      this.written(kind, updated, 'update');
      return () => store.replace(kind, withRevision(step.current, updated));
    }
    const meta = step.current.metadata;
    await store.delete(kind, meta.namespace, meta.name, { resourceVersion: meta.resourceVersion });
    this.written(kind, step.current, 'delete');
    const { resourceVersion: _rv, ...rest } = meta;
    return () => store.create(kind, { ...step.current, metadata: rest });
  }

  private async rollBack(undo: (() => Promise<unknown>)[]): Promise<void> {
    for (const fn of undo.reverse()) {
      try {
        await fn();
      } catch (err) {
        // The object changed again in between (or NATS is down): the next resync reconciles it.
        this.logger.error({ err }, 'could not undo a write of a failed batch; the next resync will reconcile it');
      }
    }
  }

  private written(kind: KindInfo, obj: ConfigResource, op: 'create' | 'update' | 'delete'): void {
    this.conflicted.delete(keyOf(kind, obj));
    this.metrics.recordWrite(this.opts.source, kind.kind, op);
    this.logger.info({ op, kind: kind.kind, namespace: obj.metadata.namespace, name: obj.metadata.name }, `config ${op}d from ${this.opts.source}`);
  }

  private conflict(kind: KindInfo, current: ConfigResource): void {
    const key = keyOf(kind, current);
    this.metrics.recordConflict(this.opts.source, kind.kind);
    const fields = { kind: kind.kind, namespace: current.metadata.namespace, name: current.metadata.name, owner: ownerOf(current) };
    if (this.conflicted.has(key)) {
      this.logger.debug(fields, 'object still owned by another source; left alone');
      return;
    }
    this.conflicted.add(key);
    this.logger.warn(fields, `not applied from ${this.opts.source}: an object with this name is owned by ${fields.owner} (first writer wins); delete it there to hand it over`);
  }
}

/** Whether two objects differ in anything a source controls. */
function sameContent(a: ConfigResource, b: ConfigResource): boolean {
  const view = (o: ConfigResource) => canonicalJson([o.apiVersion, o.metadata.labels ?? {}, o.metadata.annotations ?? {}, o.spec]);
  return view(a) === view(b);
}

function withRevision(obj: ConfigResource, current: ConfigResource): ConfigResource {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion, uid: current.metadata.uid } };
}

function keyOf(kind: KindInfo, obj: ConfigResource): string {
  return `${kind.group}/${kind.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

function conflictOf(kind: KindInfo, current: ConfigResource): OwnershipConflict {
  return { kind: kind.kind, namespace: current.metadata.namespace ?? '', name: current.metadata.name, owner: ownerOf(current) };
}

/** Lost a compare-and-set to another writer: read again and retry. */
function isRace(err: unknown): boolean {
  return err instanceof MeshError && (err.code === 'CONFLICT' || err.code === 'ALREADY_EXISTS' || err.code === 'NOT_FOUND');
}

function lostRace(kind: KindInfo, name: string): MeshError {
  return new MeshError('CONFLICT', `${kind.plural}.${kind.group} "${name}" kept changing under concurrent writers; it will be retried on the next resync`);
}
