import type { Logger } from '@mesh/runtime';
import type { ConfigResource } from '@mesh/shared-api';
import { analysisInput } from '../analysis/analysis-input.js';
import type { SkippedDocument } from '../analysis/analysis-input.js';
import { admissionMessages, analyze } from '../analysis/analyze.js';
import { ConfigIndex, configLookup, LayeredConfig } from '../analysis/config-index.js';
import type { ConfigLookup } from '../analysis/config-index.js';
import type { MeshInventory } from '../analysis/mesh-inventory.js';
import { formatMessage } from '../analysis/messages.js';
import type { AnalysisMessage, ResourceRef } from '../analysis/messages.js';
import { mergeInventories } from '../analysis/snapshot.js';
import type { AnalysisSnapshot, InventorySnapshot } from '../analysis/snapshot.js';

/** Where the stored config comes from (a `ConfigMirror` in Galley). */
export interface ConfigSnapshotSource {
  /** All stored config now: a list, or an index kept up to date (analysis must not change it). */
  config(): readonly ConfigResource[] | ConfigLookup;
  /** Waits until writes stored before the call are visible; optional. */
  catchUp?(timeoutMs: number): Promise<boolean>;
  /** Waits until the write at `revision` and every earlier one are visible; optional. */
  catchUpTo?(revision: number, timeoutMs: number): Promise<boolean>;
}

/** Options of {@link AnalysisService}. */
export interface AnalysisServiceOptions {
  config: ConfigSnapshotSource;
  inventory: MeshInventory;
  /** DNS suffix of service hosts (`cluster.local`). */
  domainSuffix: string;
  logger: Logger;
  /** Longest wait for the config copy to catch up with earlier writes (ms). */
  catchUpMs?: number;
  /**
   * The highest revision written through this process. When given, admission warnings wait for the
   * config copy to hold that revision (no request to NATS) instead of asking the bucket for its
   * last revision: every write answered by this Galley is seen; one answered by another replica in
   * the last moments may not be yet. The analyze endpoint always asks the bucket.
   */
  writtenRevision?: () => number;
}

/** The result of one analysis, as the analyze endpoint answers it. */
export interface AnalysisReport {
  /** The namespace reported on; undefined for all namespaces. */
  namespace?: string;
  messages: AnalysisMessage[];
  inventory: { available: boolean; services: number; workloads: number };
  /** Stored objects read, and documents given (analyze-as-if-applied only). */
  analyzed: { stored: number; documents: number };
  /** Documents given that were not analysed, and why. */
  skipped: SkippedDocument[];
}

/**
 * Runs the analyzers against Galley's stored config and the mesh inventory: for the analyze
 * endpoint (stored state, or with documents applied on top), and for admission warnings.
 */
export class AnalysisService {
  private readonly logger: Logger;
  /** One analysis per write request: an atomic apply asks about each of its objects with the same batch. */
  private readonly perBatch = new WeakMap<readonly ConfigResource[], Promise<AnalysisMessage[]>>();

  constructor(private readonly opts: AnalysisServiceOptions) {
    this.logger = opts.logger.child({ component: 'analysis' });
  }

  /** Analyses the stored config; messages only about objects in `namespace` when it is given. */
  async analyzeStored(namespace?: string): Promise<AnalysisReport> {
    const { config, inventory } = await this.state();
    const snapshot: AnalysisSnapshot = { config, inventory, domainSuffix: this.opts.domainSuffix };
    return this.report(snapshot, namespace, config.all().length, 0, []);
  }

  /**
   * Analyses the stored config as if `docs` were applied (like `istioctl analyze -f`): Istio config
   * replaces stored objects of the same kind, namespace and name; Services and Pods join the
   * inventory. `defaultNamespace` is given to documents that name none.
   */
  async analyzeDocuments(docs: readonly unknown[], opts: { namespace?: string; defaultNamespace?: string } = {}): Promise<AnalysisReport> {
    const { config, inventory } = await this.state();
    const input = analysisInput(docs, opts.defaultNamespace ?? opts.namespace ?? 'default', this.opts.domainSuffix);
    const snapshot: AnalysisSnapshot = {
      config: new LayeredConfig(config, new ConfigIndex(this.opts.domainSuffix, input.resources)),
      inventory: input.inventory.services.length + input.inventory.workloads.length > 0 ? mergeInventories([inventory, input.inventory]) : inventory,
      domainSuffix: this.opts.domainSuffix,
    };
    return this.report(snapshot, opts.namespace, config.all().length, docs.length, input.skipped);
  }

  /**
   * Admission warnings for objects about to be written together: the snapshot as it would be
   * after the write, messages about those objects or newly caused by them, one line each
   * (`IST0101 [Error] VirtualService default/x spec…: …`). Never throws: a failure means no warnings.
   */
  async warningsFor(written: readonly ConfigResource[]): Promise<string[]> {
    return (await this.messagesFor(written)).map(formatMessage);
  }

  /**
   * The admission-warnings hook for one object of a write whose objects are `batch` (the object
   * alone for a single write): the messages about that object, and — with the batch's first
   * object only, so an atomic apply reports them once — those the batch causes on other objects.
   */
  async warningsForObject(obj: ConfigResource, batch: readonly ConfigResource[]): Promise<string[]> {
    const written = batch.length > 0 ? batch : [obj];
    let pending = this.perBatch.get(written);
    if (!pending) this.perBatch.set(written, (pending = this.messagesFor(written)));
    const messages = await pending;
    const self = refOf(obj);
    const inBatch = written.map(refOf);
    const first = written[0] === obj || same(refOf(written[0]!), self);
    return messages.filter((m) => same(m.origin, self) || (first && !inBatch.some((r) => same(r, m.origin)))).map(formatMessage);
  }

  private async messagesFor(written: readonly ConfigResource[]): Promise<AnalysisMessage[]> {
    if (written.length === 0) return [];
    try {
      const { config, inventory } = await this.state(true);
      return admissionMessages({ config, inventory, domainSuffix: this.opts.domainSuffix }, written);
    } catch (err) {
      this.logger.warn({ err }, 'analysis for admission warnings failed; writing without warnings');
      return [];
    }
  }

  private async state(forAdmission = false): Promise<{ config: ConfigLookup; inventory: InventorySnapshot }> {
    const timeoutMs = this.opts.catchUpMs ?? 1000;
    const { config: source, writtenRevision } = this.opts;
    const caughtUp =
      forAdmission && writtenRevision && source.catchUpTo ? await source.catchUpTo(writtenRevision(), timeoutMs) : ((await source.catchUp?.(timeoutMs)) ?? true);
    if (!caughtUp) this.logger.debug('config copy is behind the bucket; analysing what it holds');
    return { config: configLookup(this.opts.config.config(), this.opts.domainSuffix), inventory: this.opts.inventory.current() };
  }

  private report(snapshot: AnalysisSnapshot, namespace: string | undefined, stored: number, documents: number, skipped: SkippedDocument[]): AnalysisReport {
    return {
      ...(namespace !== undefined ? { namespace } : {}),
      messages: analyze(snapshot, { namespace }),
      inventory: { available: snapshot.inventory.available, services: snapshot.inventory.services.length, workloads: snapshot.inventory.workloads.length },
      analyzed: { stored, documents },
      skipped,
    };
  }
}

function refOf(r: ConfigResource): ResourceRef {
  return { kind: r.kind, namespace: r.metadata.namespace ?? 'default', name: r.metadata.name };
}

function same(a: ResourceRef, b: ResourceRef): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
