import type { Logger, NatsConnection } from '@mesh/runtime';
import type { FastifyInstance } from 'fastify';
import { CompositeMeshInventory } from '../analysis/mesh-inventory.js';
import type { MeshInventory } from '../analysis/mesh-inventory.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { AnalysisService } from './analysis-service.js';
import { registerAnalyzeRoutes } from './analyze-routes.js';
import { ConfigMirror } from './config-mirror.js';
import { KvMeshInventory } from './kv-mesh-inventory.js';

/** Galley's running analysis: the service, its readiness, and how to mount and stop it. */
export interface RunningAnalysis {
  readonly service: AnalysisService;
  /** True once the config copy and the inventory have loaded. */
  readonly synced: boolean;
  /** Resolves true once both have loaded, false after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean>;
  /** The config API's `admissionWarnings` hook: findings about an object being written (and what its batch causes). */
  readonly admissionWarnings: AdmissionWarningsHook;
  /** Mounts `GET|POST /apis/galley.mesh.io/v1/analyze` on the config API (before it listens). */
  registerRoutes(app: FastifyInstance): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startAnalysis}. */
export interface StartAnalysisOptions {
  nc: NatsConnection;
  logger: Logger;
  /** DNS suffix of service hosts (`cluster.local`). */
  domainSuffix: string;
  /** More inventory sources merged with the registry bucket (a Kubernetes Services/Pods watch). */
  inventories?: readonly MeshInventory[];
  /** The highest revision this process has written (see `AnalysisServiceOptions.writtenRevision`). */
  writtenRevision?: () => number;
}

/**
 * Starts Galley's analysis over NATS: a copy of the config bucket, the inventory Pilot publishes
 * in `mesh-registry` (plus any other sources given), and the service that analyses them (pure
 * analyzers in ../analysis).
 */
export function startAnalysis(opts: StartAnalysisOptions): RunningAnalysis {
  const mirror = new ConfigMirror({ nc: opts.nc, logger: opts.logger, domainSuffix: opts.domainSuffix });
  const registry = new KvMeshInventory({ nc: opts.nc, logger: opts.logger });
  mirror.start();
  registry.start();
  const inventory = opts.inventories?.length ? new CompositeMeshInventory([registry, ...opts.inventories]) : registry;
  const service = new AnalysisService({ config: mirror, inventory, domainSuffix: opts.domainSuffix, logger: opts.logger, writtenRevision: opts.writtenRevision });
  let stopping: Promise<void> | undefined;
  return {
    service,
    get synced() {
      return mirror.synced && registry.synced;
    },
    whenSynced: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!(mirror.synced && registry.synced)) {
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 10));
      }
      return true;
    },
    admissionWarnings: (obj, context) => service.warningsForObject(obj, context.batch),
    registerRoutes: (app) => registerAnalyzeRoutes(app, { analysis: service }),
    stop: () => (stopping ??= Promise.all([mirror.stop(), registry.stop()]).then(() => undefined)),
  };
}
