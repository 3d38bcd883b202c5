import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { kindByPlural, MeshError } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { jsonEqual } from '../patch/json-value.js';
import type { KeyState, KvConfigStore } from '../store/kv-config-store.js';
import { isTransportFailure } from '../store/kv-codec.js';
import { unavailable } from '../store/store-errors.js';
import { ApplyJournal } from './apply-journal.js';
import type { JournalEntry } from './apply-journal.js';
import { ApplyLock } from './apply-lock.js';
import type { ApplyLockTiming } from './apply-lock.js';

/** An admitted document of an apply, ready to store. */
export interface PreparedDocument {
  readonly index: number;
  readonly kind: KindInfo;
  /** The version the document was written at (the object is answered at it). */
  readonly version: string;
  readonly object: ConfigResource;
}

/** What applying a document did (or, in a dry run, would do). */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** One applied document: the object as stored (or as it would be) and what happened. */
export interface AppliedDocument {
  readonly index: number;
  readonly action: ApplyAction;
  readonly object: ConfigResource;
}

/** A batch failed on one document; every write already made was undone (or is being undone, see `undone`). */
export class BatchWriteError extends Error {
  override readonly name = 'BatchWriteError';
  constructor(
    readonly index: number | undefined,
    readonly error: MeshError,
    /** False when NATS failed during the undo: the journal remains and the next lock holder finishes it. */
    readonly undone: boolean,
  ) {
    super(error.message, { cause: error });
  }
}

/** The store operations an atomic apply uses. */
export type AtomicStore = Pick<KvConfigStore, 'isConnected' | 'state' | 'stateOfKey' | 'create' | 'replace' | 'restore' | 'writeAfter' | 'valueAt'>;

/** How many writes of one batch are in flight at once. */
const WRITE_CONCURRENCY = 64;

interface Planned {
  readonly doc: PreparedDocument;
  readonly state: KeyState;
  readonly action: ApplyAction;
}

/**
 * Multi-document apply, atomic across Galley replicas:
 *
 * 1. (the caller validated and authorized every document: nothing is written otherwise)
 * 2. take the cross-replica lock (apply-lock.ts), serializing atomic applies mesh-wide;
 * 3. undo the batches of crashed holders (their journals, step 5);
 * 4. read each object's key and decide created / configured / unchanged;
 * 5. write a journal: each key to be written and the revision it holds now;
 * 6. write every changed object with compare-and-set on that revision, tagged with the batch id;
 * 7. on any failure, undo the writes made (compare-and-set on the revisions written) and answer
 *    with the failing document; on success, delete the journal: that is the commit point.
 *
 * Guarantee: when the answer is success, every document is stored; when it is a failure, none of
 * the batch's writes remains (undone now, or — if NATS fails during the undo or Galley crashes —
 * by the next lock holder or the next Galley start, from the journal). Not guaranteed: isolation
 * from readers. Each write is visible (and announced to Pilot) as it lands, so a reader may briefly
 * see part of a committing batch, or a batch that is then undone. Single-object writes do not take
 * the lock; one that lands on a batch's object between its write and its undo wins (compare-and-set),
 * and that object keeps the newer value.
 */
export class AtomicApplier {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AtomicStore,
    private readonly lock: ApplyLock,
    private readonly journal: ApplyJournal,
    private readonly logger: Logger,
    private readonly owner: string,
  ) {}

  /** Opens the lock and journal buckets on `nc`. */
  static async open(opts: { nc: NatsConnection; store: AtomicStore; logger: Logger; owner?: string; timing?: ApplyLockTiming; timeoutMs?: number }): Promise<AtomicApplier> {
    const logger = opts.logger.child({ component: 'atomic-apply' });
    const owner = opts.owner ?? `galley-${randomUUID().slice(0, 8)}`;
    const js = jetstream(opts.nc, { timeout: opts.timeoutMs ?? 5000 });
    const lock = await ApplyLock.open(js, { owner, logger, timing: opts.timing });
    return new AtomicApplier(opts.store, lock, await ApplyJournal.open(js), logger, owner);
  }

  /** Applies the documents atomically (or, with `dryRun`, reports what would happen and writes nothing). */
  apply(docs: readonly PreparedDocument[], opts: { dryRun: boolean }): Promise<AppliedDocument[]> {
    if (opts.dryRun) return this.dryRun(docs);
    // One batch at a time per process; replicas contend on the NATS lock only.
    const run = this.tail.then(
      () => this.commit(docs),
      () => this.commit(docs),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Takes the lock once to undo batches left by crashed holders (called at start-up); returns how many. */
  async recover(): Promise<number> {
    const batch = `recovery-${randomUUID()}`;
    const lease = await this.lock.acquire(batch);
    try {
      return await this.recoverOrphans(batch);
    } finally {
      await lease.release();
    }
  }

  private async dryRun(docs: readonly PreparedDocument[]): Promise<AppliedDocument[]> {
    const planned = await this.plan(docs);
    return Promise.all(
      planned.map(async (p) => {
        if (p.action === 'unchanged') return { index: p.doc.index, action: p.action, object: p.state.object! };
        const object = await this.writeOne(p, { dryRun: true, batch: undefined }).catch((err: unknown) => {
          throw new BatchWriteError(p.doc.index, asMeshError(err), true);
        });
        return { index: p.doc.index, action: p.action, object };
      }),
    );
  }

  private async commit(docs: readonly PreparedDocument[]): Promise<AppliedDocument[]> {
    const batch = randomUUID();
    // Fail fast while NATS is away rather than wait for the lock request to time out.
    if (!this.store.isConnected) throw new BatchWriteError(undefined, unavailable(new Error('not connected to NATS')), true);
    const lease = await this.lock.acquire(batch).catch((err: unknown) => {
      throw new BatchWriteError(undefined, asMeshError(err), true);
    });
    try {
      await this.recoverOrphans(batch);
      const planned = await this.plan(docs);
      const writes = planned.filter((p) => p.action !== 'unchanged');
      const results = new Map<number, ConfigResource>();
      if (writes.length > 0) {
        const entries: JournalEntry[] = writes.map((p) => ({ group: p.doc.kind.group, plural: p.doc.kind.plural, key: p.state.key, prev: p.state.revision, prevLive: p.state.object !== undefined }));
        await this.journal.record({ batch, owner: this.owner, entries }).catch((err: unknown) => {
          throw new BatchWriteError(undefined, asMeshError(err), true);
        });
        const written: Array<{ p: Planned; result: ConfigResource }> = [];
        let failure: BatchWriteError | undefined;
        for (let i = 0; i < writes.length && !failure; i += WRITE_CONCURRENCY) {
          lease.assertHeld();
          await Promise.all(
            writes.slice(i, i + WRITE_CONCURRENCY).map(async (p) => {
              try {
                const result = await this.writeOne(p, { dryRun: false, batch });
                written.push({ p, result });
                results.set(p.doc.index, result);
              } catch (err) {
                failure ??= new BatchWriteError(p.doc.index, asMeshError(err), false);
              }
            }),
          );
        }
        if (failure) throw new BatchWriteError(failure.index, failure.error, await this.undo(batch, written));
        try {
          lease.assertHeld();
          await this.journal.remove(batch);
        } catch (err) {
          // Not committed: undo now, or leave the journal for the next holder if NATS is gone.
          throw new BatchWriteError(undefined, asMeshError(err), await this.undo(batch, written));
        }
      }
      return planned.map((p) => ({ index: p.doc.index, action: p.action, object: results.get(p.doc.index) ?? p.state.object! }));
    } finally {
      await lease.release();
    }
  }

  /** Reads every document's key and decides what applying it does. */
  private async plan(docs: readonly PreparedDocument[]): Promise<Planned[]> {
    const states = await Promise.all(docs.map((d) => this.store.state(d.kind, d.object.metadata.namespace, d.object.metadata.name)));
    return docs.map((doc, i) => {
      const state = states[i]!;
      const action: ApplyAction = !state.object ? 'created' : sameDesiredState(state.object, doc.object) ? 'unchanged' : 'configured';
      return { doc, state, action };
    });
  }

  private writeOne(p: Planned, opts: { dryRun: boolean; batch: string | undefined }): Promise<ConfigResource> {
    const { kind, object } = p.doc;
    if (p.action === 'created') return this.store.create(kind, object, { ...opts, expectedRevision: p.state.revision });
    return this.store.replace(kind, { ...object, metadata: { ...object.metadata, resourceVersion: String(p.state.revision) } }, { ...opts, current: p.state.object });
  }

  /** Undoes a batch's writes (newest first); true when everything is undone and the journal removed. */
  private async undo(batch: string, written: ReadonlyArray<{ p: Planned; result: ConfigResource }>): Promise<boolean> {
    let complete = true;
    for (const { p, result } of [...written].reverse()) {
      try {
        await this.store.restore(p.doc.kind, p.state.key, result, p.state.object, Number(result.metadata.resourceVersion), batch);
      } catch (err) {
        if (err instanceof MeshError && err.code === 'CONFLICT') {
          this.logger.warn({ key: p.state.key, batch }, 'a later write replaced an object of a failed batch; it keeps that write');
          continue;
        }
        complete = false;
        this.logger.error({ err, key: p.state.key, batch }, 'could not undo a write of a failed batch; the next apply or Galley start will, from its journal');
        break;
      }
    }
    if (complete) {
      try {
        await this.journal.remove(batch);
      } catch (err) {
        this.logger.warn({ err, batch }, 'could not remove the journal of an undone batch; the next holder will find nothing to undo');
      }
    }
    return complete;
  }

  /** Undoes the batches whose journals remain (their holders crashed, or lost NATS mid-undo). */
  private async recoverOrphans(ownBatch: string): Promise<number> {
    if (await this.journal.isEmpty().catch((err: unknown) => Promise.reject(asMeshError(err)))) return 0;
    let recovered = 0;
    for (const j of await this.journal.all()) {
      if (j.batch === ownBatch) continue;
      this.logger.warn({ batch: j.batch, owner: j.owner, objects: j.entries.length }, 'undoing an atomic apply whose Galley stopped before committing it');
      for (const e of [...j.entries].reverse()) await this.undoEntry(j.batch, e);
      await this.journal.remove(j.batch);
      recovered++;
    }
    return recovered;
  }

  private async undoEntry(batch: string, e: JournalEntry): Promise<void> {
    const kind = kindByPlural(e.group, e.plural);
    const w = await this.store.writeAfter(e.key, e.prev);
    // Compare-and-set on `prev` means the first write after it is the batch's, if the batch wrote at all.
    if (!kind || !w || w.batch !== batch || w.deleted) return;
    const now = await this.store.stateOfKey(e.key);
    if (now.revision !== w.revision) return; // undone already, or replaced by a later write that stands
    const current = await this.store.valueAt(e.key, w.revision);
    const previous = e.prevLive ? await this.store.valueAt(e.key, e.prev) : undefined;
    if (!current || (e.prevLive && !previous)) {
      this.logger.error({ key: e.key, batch, prev: e.prev }, 'cannot undo a write of a crashed batch: the bucket no longer holds the previous value');
      return;
    }
    await this.store.restore(kind, e.key, current, previous, w.revision, batch);
  }
}

/** True when applying `next` over `stored` changes nothing a client controls (spec, labels, annotations). */
export function sameDesiredState(stored: ConfigResource, next: ConfigResource): boolean {
  return (
    jsonEqual(stored.spec, next.spec) && jsonEqual(stored.metadata.labels ?? {}, next.metadata.labels ?? {}) && jsonEqual(stored.metadata.annotations ?? {}, next.metadata.annotations ?? {})
  );
}

function asMeshError(err: unknown): MeshError {
  if (err instanceof MeshError) return err;
  if (isTransportFailure(err)) return unavailable(err);
  return new MeshError('INTERNAL', 'the apply failed unexpectedly; the Galley log has the details', [], { cause: err });
}
