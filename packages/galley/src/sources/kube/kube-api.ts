import { ApiException, CustomObjectsApi, KubeConfig, Observable, Watch } from '@kubernetes/client-node';
import type { ConfigurationOptions, ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';

/** A custom resource collection: `/apis/<group>/<version>/<plural>`. */
export interface KubeResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** One page of a Kubernetes list. */
export interface KubeListPage {
  readonly items: unknown[];
  /** The list's resourceVersion: a watch from here misses nothing. */
  readonly resourceVersion: string;
  /** Set when more pages follow. */
  readonly continueToken?: string;
}

/** One watch event as the API server sends it (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes). */
export interface KubeWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  readonly object: unknown;
}

/** The API server answered with an HTTP error status (or a watch ERROR event carrying one). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** List and watch of custom resources: what the Kubernetes source needs from a cluster. */
export interface KubeResourceClient {
  /** The API server's address, for logs. */
  readonly server: string;
  list(resource: KubeResource, opts: { limit: number; continueToken?: string; signal: AbortSignal }): Promise<KubeListPage>;
  /**
   * Watches from `resourceVersion`, calling `onEvent` in order; resolves when the server ends the
   * watch, rejects with {@link KubeApiError} on an HTTP error status, or when `signal` aborts.
   */
  watch(resource: KubeResource, opts: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal }, onEvent: (e: KubeWatchEvent) => void): Promise<void>;
}

/**
 * Loads a kubeconfig: from `file` when given, otherwise from the standard places
 * (`KUBECONFIG`, `~/.kube/config`, then the in-cluster service account).
 */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    throw new Error(`cannot load the kubeconfig${file ? ` ${file}` : ''}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!kc.getCurrentCluster()) throw new Error(`no Kubernetes cluster in the kubeconfig${file ? ` ${file}` : ''}: set MESH_GALLEY_KUBECONFIG or KUBECONFIG, or run in a pod`);
  return kc;
}

/** {@link KubeResourceClient} over @kubernetes/client-node. */
export class ClientNodeResourceClient implements KubeResourceClient {
  private readonly api: CustomObjectsApi;
  private readonly watcher: Watch;

  constructor(kc: KubeConfig) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.watcher = new Watch(kc);
    this.server = kc.getCurrentCluster()?.server ?? '';
  }

  readonly server: string;

  async list(resource: KubeResource, opts: { limit: number; continueToken?: string; signal: AbortSignal }): Promise<KubeListPage> {
    let body: unknown;
    try {
      body = await this.api.listClusterCustomObject({ ...resource, limit: opts.limit, _continue: opts.continueToken }, withSignal(opts.signal));
    } catch (err) {
      if (err instanceof ApiException) throw new KubeApiError(err.code, `list ${path(resource)}: HTTP ${err.code}${statusMessage(err.body)}`, { cause: err });
      throw err;
    }
    const list = (body ?? {}) as { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } };
    if (!Array.isArray(list.items)) throw new Error(`list ${path(resource)}: the answer is not a Kubernetes list`);
    const resourceVersion = typeof list.metadata?.resourceVersion === 'string' ? list.metadata.resourceVersion : '';
    const next = list.metadata?.continue;
    return { items: list.items, resourceVersion, continueToken: typeof next === 'string' && next !== '' ? next : undefined };
  }

  watch(resource: KubeResource, opts: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal }, onEvent: (e: KubeWatchEvent) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let controller: AbortController | undefined;
      const onAbort = (): void => {
        controller?.abort();
        reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('watch aborted'));
      };
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const done = (err: unknown): void => {
        opts.signal.removeEventListener('abort', onAbort);
        if (!err) return resolve();
        const status = (err as { statusCode?: unknown }).statusCode;
        reject(typeof status === 'number' ? new KubeApiError(status, `watch ${path(resource)}: HTTP ${status}`, { cause: err }) : err);
      };
      const query = { resourceVersion: opts.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: opts.timeoutSeconds };
      this.watcher
        .watch(path(resource), query, (type: string, object: unknown) => onEvent({ type, object }), done)
        .then((c) => {
          controller = c;
          // The signal may have fired while the request was being made.
          if (opts.signal.aborted) c.abort();
        })
        .catch(done);
    });
  }
}

function path(r: KubeResource): string {
  return `/apis/${r.group}/${r.version}/${r.plural}`;
}

/** Request options that abort the call with `signal` (client-node sets no timeout of its own). */
function withSignal(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') return `: ${(body as { message: string }).message}`;
  return typeof body === 'string' && body.length > 0 && body.length < 300 ? `: ${body}` : '';
}
