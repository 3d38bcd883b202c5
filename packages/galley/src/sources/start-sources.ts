import type { Logger, ProcessMetrics, Readiness } from '@mesh/runtime';
import type { GalleySettings } from '../config.js';
import type { ConfigStore } from '../store/config-store.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { createWebhookMetrics, WebhookServer } from '../webhooks/webhook-server.js';
import { injectionSettingsFrom } from '../webhooks/inject-settings.js';
import { loadWebhookTls } from '../webhooks/webhook-tls.js';
import { DirectorySource } from './directory/directory-source.js';
import { createSourceMetrics } from './source-metrics.js';

/** What the sources and webhooks are started with. */
export interface SourcesDeps {
  readonly settings: GalleySettings;
  readonly store: ConfigStore;
  readonly logger: Logger;
  readonly meter: ProcessMetrics['meter'];
  readonly readiness: Readiness;
  /** Cross-resource warnings for allowed admission reviews (the API's hook). */
  readonly admissionWarnings?: AdmissionWarningsHook;
}

/** The started sources: the webhook port (when enabled) and an idempotent stop. */
export interface RunningSources {
  readonly webhookPort?: number;
  stop(): Promise<void>;
}

/**
 * Starts what the settings turn on, each through the API's validation and store: the Kubernetes
 * CRD watch (`MESH_GALLEY_KUBE_WATCH`; readiness waits for its first sync), the config directory
 * (`MESH_GALLEY_CONFIG_DIR`; applied once before this returns) and the admission webhooks
 * (`MESH_GALLEY_WEBHOOK_ENABLED`). A bad setting (unreadable kubeconfig, directory or certificate)
 * fails start-up; an unreachable cluster does not (the watch retries, Galley stays not ready).
 */
export async function startSources(deps: SourcesDeps): Promise<RunningSources> {
  const { settings, store, readiness } = deps;
  const logger = deps.logger;
  const metrics = createSourceMetrics(deps.meter);
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse()) await fn();
  };
  try {
    let webhookPort: number | undefined;
    if (settings.webhookEnabled) {
      const certFile: string | undefined = settings.webhookCertFile;
      const keyFile: string | undefined = settings.webhookKeyFile;
      const tls = await loadWebhookTls({ certFile, keyFile }, logger);
      const server = new WebhookServer({
        host: settings.webhookHost,
        port: settings.webhookPort,
        tls,
        logger,
        metrics: createWebhookMetrics(deps.meter),
        admissionWarnings: deps.admissionWarnings,
        reload: certFile && keyFile ? { certFile, keyFile } : undefined,
        injection: injectionSettingsFrom(settings),
      });
      stops.push(() => server.stop());
      webhookPort = await server.start();
    }
    const configDir: string | undefined = settings.configDir;
    if (configDir) {
      const dir = new DirectorySource({ dir: configDir, store, logger, metrics, rescanMs: settings.configDirRescanMs });
      stops.push(() => dir.stop());
      readiness.add('config-dir-synced', () => dir.isSynced);
      await dir.start();
    }
    if (settings.kubeWatch) {
      const kubeconfig: string | undefined = settings.kubeconfig;
      // Loaded only when the watch is on: @kubernetes/client-node is a large module graph (start-up time and memory on plain hosts).
      const [{ ClientNodeResourceClient, loadKubeConfig }, { KubeSource }] = await Promise.all([import('./kube/kube-api.js'), import('./kube/kube-source.js')]);
      const kube = new KubeSource({ client: new ClientNodeResourceClient(loadKubeConfig(kubeconfig)), store, logger, metrics });
      stops.push(() => kube.stop());
      readiness.add('kube-synced', () => kube.isSynced);
      kube.start();
    }
    let stopping: Promise<void> | undefined;
    return { webhookPort, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await stop().catch((e: unknown) => logger.warn({ err: e }, 'error while stopping sources after a failed start'));
    throw err;
  }
}
