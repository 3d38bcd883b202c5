import { setMaxListeners } from 'node:events';
import { KINDS } from '@mesh/shared-api';
import type { KindInfo } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { ConfigStore } from '../../store/config-store.js';
import type { SourceMetrics } from '../source-metrics.js';
import { NOOP_SOURCE_METRICS } from '../source-metrics.js';
import { SourceWriter } from '../source-writer.js';
import { KindWatcher } from './kind-watcher.js';
import type { KindWatcherTuning } from './kind-watcher.js';
import type { KubeResourceClient } from './kube-api.js';

/** What a {@link KubeSource} is built from. */
export interface KubeSourceOptions extends KindWatcherTuning {
  client: KubeResourceClient;
  store: ConfigStore;
  logger: Logger;
  metrics?: SourceMetrics;
  /** The kinds to mirror; every kind in shared-api's KINDS by default. */
  kinds?: readonly KindInfo[];
}

/**
 * The Kubernetes CRD source: one list/watch loop per Istio kind, each writing through the
 * {@link SourceWriter} (the API's validation and store). The cluster is the source of truth for
 * the objects it owns (`galley.mesh.io/source: kubernetes`): they follow the cluster, including
 * deletions, and objects owned by the API or another source are never overwritten.
 */
export class KubeSource {
  private readonly watchers: KindWatcher[];
  private readonly logger: Logger;
  private abort: AbortController | undefined;
  private loops: Promise<void> | undefined;

  constructor(private readonly opts: KubeSourceOptions) {
    this.logger = opts.logger.child({ component: 'kube-source' });
    const metrics = opts.metrics ?? NOOP_SOURCE_METRICS;
    const writer = new SourceWriter({ store: opts.store, source: 'kubernetes', logger: this.logger, metrics });
    this.watchers = (opts.kinds ?? KINDS).map((kind) => new KindWatcher({ ...opts, kind, writer, logger: this.logger, metrics }));
  }

  /** Starts every kind's loop (returns at once; see {@link isSynced}). */
  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    // Every kind's loop listens on this one signal (a watch, a pause): not a leak, just many loops.
    setMaxListeners(Math.max(10, this.watchers.length * 3), signal);
    this.logger.info({ server: this.opts.client.server, kinds: this.watchers.length }, 'watching Istio CRDs in the cluster');
    this.loops = Promise.all(this.watchers.map((w) => w.run(signal))).then(() => undefined);
  }

  /** True once every kind has been listed and reconciled once: the readiness condition. */
  get isSynced(): boolean {
    return this.watchers.every((w) => w.isSynced);
  }

  /** Resolves when {@link isSynced}; rejects after `timeoutMs`. */
  async waitForSync(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isSynced) {
      if (Date.now() > deadline) throw new Error(`the Kubernetes source did not sync within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops every loop and waits for in-flight writes. Idempotent. */
  async stop(): Promise<void> {
    this.abort?.abort(new Error('kube source stopping'));
    await this.loops;
  }
}
