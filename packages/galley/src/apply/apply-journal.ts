import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';

/** The KV bucket of atomic-apply journals (no TTL: a journal lives until its batch committed or was undone). */
export const APPLY_JOURNAL_BUCKET = 'mesh-galley-apply-journal';

/** One object a batch is about to write, and what its key held before. */
export interface JournalEntry {
  readonly group: string;
  readonly plural: string;
  readonly key: string;
  /** The key's last revision before the batch (0 = never written); every batch write is a CAS on it. */
  readonly prev: number;
  /** Whether `prev` was a live object (false: absent or a delete marker). */
  readonly prevLive: boolean;
}

/** A batch's undo record, written before its first write and deleted at its commit. */
export interface Journal {
  readonly batch: string;
  readonly owner: string;
  readonly entries: readonly JournalEntry[];
}

/**
 * Journals of atomic applies, one key per batch (`batch.<id>`). A journal is removed by deleting
 * its message from the stream (not with a KV delete marker), so the stream's message count is the
 * number of live journals and "are there orphans?" costs one request.
 */
export class ApplyJournal {
  private readonly revisions = new Map<string, number>();

  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
  ) {}

  /** Opens (creating if needed) the journal bucket. */
  static async open(js: JetStreamClient, bucket = APPLY_JOURNAL_BUCKET): Promise<ApplyJournal> {
    const kv = await new Kvm(js).create(bucket, { history: 1 });
    return new ApplyJournal(kv, await js.jetstreamManager(), `KV_${bucket}`);
  }

  /** Records a batch's intent; must succeed before the batch writes anything. */
  async record(journal: Journal): Promise<void> {
    this.revisions.set(journal.batch, await this.kv.put(`batch.${journal.batch}`, JSON.stringify(journal)));
  }

  /** Removes a batch's journal: the commit point of the batch (or the end of its undo). */
  async remove(batch: string): Promise<void> {
    let revision = this.revisions.get(batch);
    if (revision === undefined) {
      const e = await this.kv.get(`batch.${batch}`);
      if (!e || e.operation !== 'PUT') return;
      revision = e.revision;
    }
    await this.jsm.streams.deleteMessage(this.stream, revision, false);
    this.revisions.delete(batch);
  }

  /** True when no journal is present (the common case: then recovery has nothing to do). */
  async isEmpty(): Promise<boolean> {
    return (await this.kv.status()).streamInfo.state.messages === 0;
  }

  /** Every journal present (orphans of crashed holders, when read under the lock). */
  async all(): Promise<Journal[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys('batch.>')) keys.push(k);
    const out: Journal[] = [];
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT') out.push(e.json<Journal>());
    }
    return out;
  }
}
