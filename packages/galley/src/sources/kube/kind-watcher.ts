import type { KindInfo } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import { Backoff, sleep } from '../backoff.js';
import { isOwnedBy, originAnnotations } from '../ownership.js';
import type { Origin } from '../ownership.js';
import type { SourceMetrics } from '../source-metrics.js';
import type { SourceWriter } from '../source-writer.js';
import { admitFromSource } from '../submitted-object.js';
import { KubeApiError } from './kube-api.js';
import type { KubeResourceClient, KubeWatchEvent } from './kube-api.js';

/** Objects read from the cluster: owned by the `kubernetes` source. */
export const KUBE_ORIGIN: Origin = { source: 'kubernetes' };

/** Tuning of one kind's list/watch loop. */
export interface KindWatcherTuning {
  /** Server-side timeout of each watch request (s); a watch silent for this plus 30 s is abandoned. */
  readonly watchTimeoutSeconds?: number;
  /** Timeout of each list request (ms). */
  readonly requestTimeoutMs?: number;
  readonly pageSize?: number;
  /** How often to look again for a kind whose CRD is not installed (ms). */
  readonly missingCrdRetryMs?: number;
  /** Backoff after errors; a fresh one per kind by default. */
  readonly backoff?: () => Backoff;
}

/** What a {@link KindWatcher} is built from. */
export interface KindWatcherOptions extends KindWatcherTuning {
  readonly kind: KindInfo;
  readonly client: KubeResourceClient;
  readonly writer: SourceWriter;
  readonly logger: Logger;
  readonly metrics: SourceMetrics;
}

/** Parallel store writes while reconciling a list. */
const APPLY_CONCURRENCY = 8;
/** A watch the server ends sooner than this is followed by a pause before the next one. */
const QUICK_WATCH_END_MS = 1000;
/** Client-side slack over the server's watch timeout before a silent watch is abandoned. */
const WATCH_IDLE_GRACE_MS = 30_000;

/** The watch must be restarted from a fresh list (410 Gone, an ERROR event, or a failed write). */
class RelistNeeded extends Error {
  override readonly name = 'RelistNeeded';
}

/**
 * Mirrors one Istio kind from the cluster into the store, the way a client-go reflector does:
 * list (paged) → reconcile → watch from the list's resourceVersion → apply each event; a watch
 * the server ends is resumed from the last resourceVersion seen; 410 Gone (or an ERROR event)
 * means the history is gone and the kind is listed again. Errors back off exponentially.
 * The served versions are tried in order, so a cluster whose CRD serves only some of them works.
 */
export class KindWatcher {
  private synced = false;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private missingLogged = false;

  constructor(private readonly opts: KindWatcherOptions) {
    this.logger = opts.logger.child({ kind: opts.kind.kind });
    this.backoff = opts.backoff?.() ?? new Backoff();
  }

  /** True once the first list has been reconciled into the store (or the kind's CRD is absent). */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Runs until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let at: { version: string; resourceVersion: string } | undefined;
    while (!signal.aborted) {
      try {
        if (!at) {
          at = await this.listAndReconcile(signal);
          this.synced = true;
          if (!at) {
            await sleep(this.opts.missingCrdRetryMs ?? 30_000, signal);
            continue;
          }
          this.backoff.reset();
        }
        const watchStarted = Date.now();
        at = { version: at.version, resourceVersion: await this.watchFrom(at.version, at.resourceVersion, signal) };
        this.opts.metrics.recordWatchRestart(this.opts.kind.kind, 'ended');
        // A server that ends watches at once must not turn this loop into a busy loop of requests.
        if (Date.now() - watchStarted < QUICK_WATCH_END_MS) await sleep(this.backoff.next(), signal);
        else this.backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.logger.info({ err: String(err) }, 'resourceVersion too old (410 Gone): listing again');
          this.opts.metrics.recordWatchRestart(this.opts.kind.kind, 'relist-410');
          at = undefined;
          continue;
        }
        const delay = this.backoff.next();
        const relist = err instanceof RelistNeeded || !at;
        this.opts.metrics.recordWatchRestart(this.opts.kind.kind, 'error');
        this.logger.warn({ err, retryInMs: delay }, relist ? 'list/watch failed; listing again after a pause' : 'watch failed; resuming after a pause');
        if (relist) at = undefined;
        await sleep(delay, signal);
      }
    }
  }

  /** Lists the kind and makes the store match; undefined when no served version exists in the cluster. */
  private async listAndReconcile(signal: AbortSignal): Promise<{ version: string; resourceVersion: string } | undefined> {
    const { kind } = this.opts;
    for (const version of kind.versions) {
      let listed: { items: unknown[]; resourceVersion: string };
      try {
        listed = await this.listAll(version, signal);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) continue;
        throw err;
      }
      this.missingLogged = false;
      const present = new Set<string>();
      for (const item of listed.items) present.add(identity(item));
      await forEachLimited(listed.items, APPLY_CONCURRENCY, (item) => this.applyObject(item));
      // Objects this source stored whose cluster object is gone (deleted while we were not watching).
      const owned = await this.opts.writer.listOwned((o) => isOwnedBy(o, KUBE_ORIGIN), [kind]);
      let deleted = 0;
      for (const { object } of owned) {
        if (present.has(`${object.metadata.namespace ?? ''}/${object.metadata.name}`)) continue;
        if ((await this.opts.writer.remove(kind, object.metadata.namespace, object.metadata.name, KUBE_ORIGIN)) === 'deleted') deleted++;
      }
      this.logger.info({ version, objects: listed.items.length, deleted, resourceVersion: listed.resourceVersion }, 'kind listed and reconciled; watching');
      return { version, resourceVersion: listed.resourceVersion };
    }
    if (!this.missingLogged) {
      this.missingLogged = true;
      // Stored objects are kept: a 404 may be a CRD being re-installed, and deleting on it would wipe config.
      this.logger.warn({ versions: kind.versions }, `the CRD ${kind.plural}.${kind.group} is not installed in the cluster (no served version answers); looking again periodically`);
    }
    return undefined;
  }

  /** Reads every page of a list; a 410 on a continue token restarts the list. */
  private async listAll(version: string, signal: AbortSignal): Promise<{ items: unknown[]; resourceVersion: string }> {
    const { kind, client } = this.opts;
    const resource = { group: kind.group, version, plural: kind.plural };
    for (let restart = 0; ; restart++) {
      const items: unknown[] = [];
      let continueToken: string | undefined;
      let resourceVersion = '';
      try {
        do {
          const page = await client.list(resource, { limit: this.opts.pageSize ?? 500, continueToken, signal: withTimeout(signal, this.opts.requestTimeoutMs ?? 30_000) });
          items.push(...page.items);
          if (!continueToken) resourceVersion = page.resourceVersion;
          continueToken = page.continueToken;
        } while (continueToken);
        return { items, resourceVersion };
      } catch (err) {
        if (!(continueToken && isGone(err) && restart < 3)) throw err;
      }
    }
  }

  /** Watches until the server ends the watch; returns the last resourceVersion seen. */
  private async watchFrom(version: string, fromVersion: string, signal: AbortSignal): Promise<string> {
    const { kind, client } = this.opts;
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300;
    const ac = new AbortController();
    const stop = (): void => ac.abort(signal.reason);
    // The source may have been stopped while the list before this watch was being applied.
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ac.abort(new Error(`watch silent for ${timeoutSeconds} s + grace; reconnecting`)), timeoutSeconds * 1000 + WATCH_IDLE_GRACE_MS);
    };
    let last = fromVersion;
    let failure: unknown;
    let queue = Promise.resolve();
    const onEvent = (e: KubeWatchEvent): void => {
      touch();
      // Events are handled one at a time, in the order the server sent them.
      queue = queue.then(async () => {
        if (failure !== undefined) return;
        try {
          last = (await this.handle(e)) ?? last;
        } catch (err) {
          failure = err;
          ac.abort(err);
        }
      });
    };
    touch();
    try {
      await client.watch({ group: kind.group, version, plural: kind.plural }, { resourceVersion: fromVersion, timeoutSeconds, signal: ac.signal }, onEvent);
    } catch (err) {
      if (failure === undefined) throw err;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', stop);
      await queue;
    }
    if (failure !== undefined) throw failure;
    return last;
  }

  /** Applies one watch event; returns its resourceVersion. */
  private async handle(e: KubeWatchEvent): Promise<string | undefined> {
    const meta = metadataOf(e.object);
    switch (e.type) {
      case 'ADDED':
      case 'MODIFIED':
        await this.applyObject(e.object);
        return meta.resourceVersion;
      case 'DELETED':
        await this.guardWrite(() => this.opts.writer.remove(this.opts.kind, meta.namespace, meta.name ?? '', KUBE_ORIGIN));
        return meta.resourceVersion;
      case 'BOOKMARK':
        return meta.resourceVersion;
      case 'ERROR': {
        const status = e.object as { code?: unknown; message?: unknown } | undefined;
        const code = typeof status?.code === 'number' ? status.code : 500;
        throw new KubeApiError(code, `watch ERROR event: ${typeof status?.message === 'string' ? status.message : 'no message'}`);
      }
      default:
        this.logger.debug({ type: e.type }, 'ignoring an unknown watch event type');
        return undefined;
    }
  }

  /** Admits one cluster object and stores it; invalid objects are logged and counted, not stored. */
  private async applyObject(obj: unknown): Promise<void> {
    const meta = metadataOf(obj);
    const result = admitFromSource(obj, { defaultNamespace: meta.namespace ?? 'default', annotations: originAnnotations(KUBE_ORIGIN) });
    if (!result.ok) {
      this.opts.metrics.recordRejected(KUBE_ORIGIN.source, this.opts.kind.kind);
      this.logger.error(
        { namespace: meta.namespace, name: meta.name, violations: result.error.violations },
        `invalid object in the cluster not stored (a previously stored valid version is kept): ${result.error.message}`,
      );
      return;
    }
    for (const warning of result.warnings) this.logger.warn({ namespace: meta.namespace, name: meta.name }, warning);
    await this.guardWrite(() => this.opts.writer.upsert(result.kind, result.object, KUBE_ORIGIN));
  }

  /** A failed store write means the store may now lag the cluster: only a fresh list repairs that. */
  private async guardWrite<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      throw new RelistNeeded(`store write failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}

function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 410;
}

function metadataOf(obj: unknown): { name?: string; namespace?: string; resourceVersion?: string } {
  const m = (obj as { metadata?: Record<string, unknown> } | undefined)?.metadata ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { name: str(m['name']), namespace: str(m['namespace']), resourceVersion: str(m['resourceVersion']) };
}

function identity(obj: unknown): string {
  const m = metadataOf(obj);
  return `${m.namespace ?? ''}/${m.name ?? ''}`;
}

function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)]);
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
