import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { promises as fs } from 'node:fs';
import type { KindInfo } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { ConfigStore } from '../../store/config-store.js';
import { SOURCE_ANNOTATION, SOURCE_FILE_ANNOTATION } from '../ownership.js';
import type { Origin } from '../ownership.js';
import type { SourceMetrics } from '../source-metrics.js';
import { NOOP_SOURCE_METRICS } from '../source-metrics.js';
import { SourceWriter } from '../source-writer.js';
import type { BatchChange } from '../source-writer.js';
import { findConfigFiles } from './config-files.js';
import { planFile } from './plan-file.js';

/** What a {@link DirectorySource} is built from. */
export interface DirectorySourceOptions {
  dir: string;
  store: ConfigStore;
  logger: Logger;
  metrics?: SourceMetrics;
  /** Interval of the full rescan that backs up fs.watch (ms). */
  rescanMs?: number;
  /** Quiet time after a file-system event before the directory is read (ms). */
  debounceMs?: number;
}

interface ObjectRef {
  readonly kind: KindInfo;
  readonly namespace: string | undefined;
  readonly name: string;
}

/** What this source last applied from a file; `hash` undefined means "re-apply on the next pass". */
interface AppliedFile {
  hash: string | undefined;
  objects: Map<string, ObjectRef>;
}

type FileOutcome = 'applied' | 'invalid' | 'conflict' | 'error';

/**
 * The directory source (`MESH_GALLEY_CONFIG_DIR`): every *.yaml / *.yml / *.json file under the
 * directory is validated as a whole and applied through the {@link SourceWriter}; objects carry
 * `galley.mesh.io/source: directory` and `galley.mesh.io/source-file: <path>`, and only their
 * file changes or deletes them. A file with any invalid document, or naming an object someone
 * else owns, is refused whole (its previously applied objects stay). fs.watch triggers a pass
 * for changed files; a periodic full pass catches missed events and drift in the store.
 */
export class DirectorySource {
  private readonly writer: SourceWriter;
  private readonly logger: Logger;
  private readonly metrics: SourceMetrics;
  private readonly applied = new Map<string, AppliedFile>();
  /** Files refused as invalid, by content hash: the same content is not re-checked or re-logged. */
  private readonly invalid = new Map<string, string>();
  /** Files refused for a conflict: re-tried on every pass, logged once per content (by hash). */
  private readonly conflicting = new Map<string, string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private chain: Promise<void> = Promise.resolve();
  private queued: { full: boolean; done: Promise<void> } | undefined;
  private interval: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private synced = false;
  private stopped = false;
  private watchFailed = false;

  constructor(private readonly opts: DirectorySourceOptions) {
    this.logger = opts.logger.child({ component: 'config-dir', dir: opts.dir });
    this.metrics = opts.metrics ?? NOOP_SOURCE_METRICS;
    this.writer = new SourceWriter({ store: opts.store, source: 'directory', logger: this.logger, metrics: this.metrics });
  }

  /** Applies the directory once (ready afterwards), then follows changes. Fails when `dir` is not a directory. */
  async start(): Promise<void> {
    const stat = await fs.stat(this.opts.dir).catch(() => undefined);
    if (!stat?.isDirectory()) throw new Error(`MESH_GALLEY_CONFIG_DIR ${this.opts.dir} is not a readable directory`);
    await this.seedFromStore();
    await this.rescan();
    this.interval = setInterval(() => void this.enqueue(true), this.opts.rescanMs ?? 30_000);
    this.logger.info({ files: this.applied.size }, 'config directory applied; watching for changes');
  }

  /** True after the first full pass that read the directory: the readiness condition. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Runs a full pass now (and waits for it): every file is re-read and reconciled with the store. */
  rescan(): Promise<void> {
    return this.enqueue(true);
  }

  /** Stops watching and waits for a running pass. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.chain;
  }

  /** Objects a previous run stored from this directory, so files deleted while Galley was down are cleaned up. */
  private async seedFromStore(): Promise<void> {
    const owned = await this.writer.listOwned((o) => o.metadata.annotations?.[SOURCE_ANNOTATION] === 'directory');
    for (const { kind, object } of owned) {
      const file = object.metadata.annotations?.[SOURCE_FILE_ANNOTATION] ?? '';
      const entry = this.applied.get(file) ?? { hash: undefined, objects: new Map<string, ObjectRef>() };
      const ref = { kind, namespace: object.metadata.namespace, name: object.metadata.name };
      entry.objects.set(refKey(ref), ref);
      this.applied.set(file, entry);
    }
  }

  /** Queues a pass; passes never overlap, and requests made while one waits are merged into it. */
  private enqueue(full: boolean): Promise<void> {
    if (this.queued) {
      this.queued.full ||= full;
      return this.queued.done;
    }
    const q: { full: boolean; done: Promise<void> } = { full, done: Promise.resolve() };
    this.queued = q;
    q.done = this.chain = this.chain.then(async () => {
      this.queued = undefined;
      if (this.stopped) return;
      try {
        await this.pass(q.full);
        if (q.full) this.synced = true;
      } catch (err) {
        this.logger.error({ err }, 'reading the config directory failed; retrying on the next pass');
      }
    });
    return q.done;
  }

  private scheduleQuickPass(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.enqueue(false), this.opts.debounceMs ?? 100);
  }

  /** One pass: removed files first (their names become free), then new and changed ones. */
  private async pass(full: boolean): Promise<void> {
    const { files, dirs } = await findConfigFiles(this.opts.dir);
    this.syncWatchers(dirs);
    const present = new Set(files.map((f) => f.rel));
    for (const rel of [...this.applied.keys()]) if (!present.has(rel)) await this.removeFile(rel);
    for (const rel of [...this.invalid.keys(), ...this.conflicting.keys()]) {
      if (!present.has(rel)) {
        this.invalid.delete(rel);
        this.conflicting.delete(rel);
      }
    }
    const retry: { rel: string; text: string; hash: string }[] = [];
    for (const file of files) {
      const text = await fs.readFile(file.abs, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // removed meanwhile: the next pass sees it gone
      const hash = createHash('sha256').update(text).digest('hex');
      if (this.invalid.get(file.rel) === hash) continue;
      if (!full && this.applied.get(file.rel)?.hash === hash && !this.conflicting.has(file.rel)) continue;
      // An object moving between files is created by one and deleted by the other: a first
      // conflict may clear once the rest of the pass ran, so it is retried before being reported.
      if ((await this.applyFile(file.rel, text, hash, true)) === 'conflict') retry.push({ rel: file.rel, text, hash });
    }
    for (const f of retry) await this.applyFile(f.rel, f.text, f.hash, false);
  }

  private async applyFile(rel: string, text: string, hash: string, quietConflict: boolean): Promise<FileOutcome> {
    const origin: Origin = { source: 'directory', file: rel };
    const plan = planFile(text, origin);
    if (!plan.ok) {
      this.invalid.set(rel, hash);
      this.metrics.recordFileRejected();
      for (const p of plan.problems) if (p.kind) this.metrics.recordRejected('directory', p.kind);
      this.logger.error({ file: rel, problems: plan.problems }, `config file ${rel} refused as a whole (nothing in it applied): ${describeProblems(plan.problems)}`);
      return 'invalid';
    }
    this.invalid.delete(rel);
    for (const w of plan.warnings) this.logger.warn({ file: rel }, w);
    for (const s of plan.skipped) this.logger.debug({ file: rel, ...s }, 'document is not mesh config; skipped');
    const prev = this.applied.get(rel)?.objects ?? new Map<string, ObjectRef>();
    const next = new Map<string, ObjectRef>();
    for (const { kind, object } of plan.objects) {
      const ref = { kind, namespace: object.metadata.namespace, name: object.metadata.name };
      next.set(refKey(ref), ref);
    }
    const changes: BatchChange[] = plan.objects.map(({ kind, object }) => ({ kind, upsert: object }));
    for (const [key, ref] of prev) if (!next.has(key)) changes.push({ kind: ref.kind, delete: { namespace: ref.namespace, name: ref.name } });
    try {
      const outcome = await this.writer.applyBatch(changes, origin);
      if (!outcome.ok) {
        if (quietConflict) return 'conflict';
        const known = this.conflicting.get(rel) === hash;
        this.conflicting.set(rel, hash);
        this.metrics.recordFileRejected();
        const owners = outcome.conflicts.map((c) => `${c.kind} ${c.namespace}/${c.name} is owned by ${c.owner}`).join('; ');
        this.logger[known ? 'debug' : 'error']({ file: rel, conflicts: outcome.conflicts }, `config file ${rel} refused as a whole (nothing in it applied): ${owners}`);
        return 'conflict';
      }
      this.conflicting.delete(rel);
      this.applied.set(rel, { hash, objects: next });
      if (outcome.created + outcome.updated + outcome.deleted > 0) this.logger.info({ file: rel, ...outcome }, `applied config file ${rel}`);
      return 'applied';
    } catch (err) {
      // The batch was rolled back; track both sets so nothing it may have left behind is orphaned.
      this.applied.set(rel, { hash: undefined, objects: new Map([...prev, ...next]) });
      this.logger.error({ err, file: rel }, `config file ${rel} could not be applied (writes rolled back); retrying on the next pass`);
      return 'error';
    }
  }

  /** Deletes what a file that no longer exists had applied. */
  private async removeFile(rel: string): Promise<void> {
    const entry = this.applied.get(rel);
    if (!entry) return;
    const changes: BatchChange[] = [...entry.objects.values()].map((r) => ({ kind: r.kind, delete: { namespace: r.namespace, name: r.name } }));
    try {
      const outcome = await this.writer.applyBatch(changes, { source: 'directory', file: rel });
      this.applied.delete(rel);
      if (outcome.ok && outcome.deleted > 0) this.logger.info({ file: rel, deleted: outcome.deleted }, `config file ${rel} removed: its objects were deleted`);
    } catch (err) {
      this.logger.error({ err, file: rel }, `could not delete the objects of removed config file ${rel}; retrying on the next pass`);
    }
  }

  /** Watches every directory of the tree (fs.watch is not recursive on every platform). */
  private syncWatchers(dirs: readonly string[]): void {
    if (this.stopped) return;
    const wanted = new Set(dirs);
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, () => this.scheduleQuickPass());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (err) {
        if (!this.watchFailed) this.logger.warn({ err, path: dir }, 'cannot watch the config directory; changes are picked up by the periodic rescan only');
        this.watchFailed = true;
      }
    }
  }
}

function refKey(r: ObjectRef): string {
  return `${r.kind.group}/${r.kind.kind}/${r.namespace ?? ''}/${r.name}`;
}

function describeProblems(problems: readonly { document: number; line: number; message: string }[]): string {
  return problems.map((p) => `document ${p.document} (line ${p.line}): ${p.message}`).join('; ');
}
