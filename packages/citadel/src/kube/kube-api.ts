import { ApiException, AuthenticationV1Api, CoreV1Api, KubeConfig, Observable } from '@kubernetes/client-node';
import type { ConfigurationOptions, ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import type { TokenReviewer, TokenReviewStatus } from '../auth/token-review.js';

/** Where Citadel finds the Kubernetes API: `in-cluster` (its pod's service account) or a kubeconfig file. */
export function loadKubeConfig(where: string): KubeConfig {
  const kc = new KubeConfig();
  if (where === 'in-cluster') kc.loadFromCluster();
  else kc.loadFromFile(where);
  return kc;
}

/** The namespace of the kubeconfig's current context (in-cluster: the pod's own namespace), if any. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
}

/** A Secret's name, type and data (values base64, as the API carries them). */
export interface SecretData {
  type?: string;
  data: Record<string, string>;
}

/** The Secret operations Citadel's root store needs. */
export interface SecretApi {
  /** The Secret, or undefined when it does not exist (404). */
  read(namespace: string, name: string): Promise<SecretData | undefined>;
  /** Creates it; `exists` when another replica created it first (409). */
  create(namespace: string, name: string, secret: SecretData): Promise<'created' | 'exists'>;
}

/** The Kubernetes API answered with an error status. */
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

/**
 * TokenReview and Secrets through @kubernetes/client-node. Every call has a deadline (client-node
 * sets none). TokenReview needs the `system:auth-delegator` ClusterRole; the CA Secret needs get
 * and create on secrets in its namespace (deploy/ grants both).
 */
export class KubeApi implements TokenReviewer, SecretApi {
  private readonly auth: AuthenticationV1Api;
  private readonly core: CoreV1Api;
  /** The current context's namespace (in-cluster: Citadel's own). */
  readonly namespace: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly timeoutMs: number,
  ) {
    this.namespace = contextNamespace(kubeConfig);
    this.auth = kubeConfig.makeApiClient(AuthenticationV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** {@link TokenReviewer}: POST /apis/authentication.k8s.io/v1/tokenreviews. */
  async review(token: string, audiences: readonly string[]): Promise<TokenReviewStatus> {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences.length > 0 ? { audiences: [...audiences] } : {}) } };
    try {
      const review = await this.auth.createTokenReview({ body }, this.deadline());
      return (review.status ?? {}) as TokenReviewStatus;
    } catch (err) {
      throw describe(err, 'create TokenReview');
    }
  }

  /** {@link SecretApi.read}. */
  async read(namespace: string, name: string): Promise<SecretData | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ namespace, name }, this.deadline());
      return { ...(s.type ? { type: s.type } : {}), data: s.data ?? {} };
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw describe(err, `read Secret ${namespace}/${name}`);
    }
  }

  /** {@link SecretApi.create}. */
  async create(namespace: string, name: string, secret: SecretData): Promise<'created' | 'exists'> {
    try {
      await this.core.createNamespacedSecret({ namespace, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, ...(secret.type ? { type: secret.type } : {}), data: secret.data } }, this.deadline());
      return 'created';
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return 'exists';
      throw describe(err, `create Secret ${namespace}/${name}`);
    }
  }

  private deadline(): ConfigurationOptions {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const middleware: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(signal);
        return new Observable(Promise.resolve(ctx));
      },
      post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }
}

function describe(err: unknown, what: string): Error {
  if (err instanceof ApiException) {
    const body = err.body as { message?: unknown } | string | undefined;
    const detail = typeof body === 'object' && body && typeof body.message === 'string' ? body.message : typeof body === 'string' ? body.slice(0, 200) : '';
    return new KubeApiError(err.code, `${what}: HTTP ${err.code}${detail ? `: ${detail}` : ''}`, { cause: err });
  }
  const e = err as Error;
  return new Error(`${what}: ${e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timed out' : e.message}`, { cause: err });
}
