import { CoreV1Api, DiscoveryV1Api, KubeConfig, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubernetesObject, ListPromise } from '@kubernetes/client-node';
import type { Logger } from '@mesh/runtime';
import type { Service, ServiceEndpoint } from '../../model/service.js';
import { serviceSignature } from '../service-registry.js';
import type { RegistryChange, ServiceRegistry } from '../service-registry.js';
import { convertEndpointSlice, convertService, objectKey, SERVICE_NAME_LABEL } from './convert.js';
import type { KubeEndpointSlice, KubePod, KubeService } from './convert.js';

/** Options of {@link KubeServiceRegistry}. */
export interface KubeServiceRegistryOptions {
  kubeConfig: KubeConfig;
  domainSuffix: string;
  logger: Logger;
  /** Delay before a failed list/watch starts over (ms). */
  retryMs?: number;
  /** Called once per failed list or watch (for a metric). */
  onError?: (err: unknown) => void;
}

type Kind = 'services' | 'endpointslices' | 'pods';

/** A KubeConfig for an API server URL (tests, or a `kubectl proxy`); production loads a kubeconfig file or the in-cluster account. */
export function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'mesh', server, skipTLSVerify: true }],
    users: [{ name: 'pilot' }],
    contexts: [{ name: 'mesh', cluster: 'mesh', user: 'pilot' }],
    currentContext: 'mesh',
  });
  return kc;
}

/** A KubeConfig from MESH_PILOT_KUBE_REGISTRY: `in-cluster`, an API server URL, or a kubeconfig file. */
export function loadKubeConfig(where: string): KubeConfig {
  if (/^https?:\/\//.test(where)) return kubeConfigFor(where);
  const kc = new KubeConfig();
  if (where === 'in-cluster') kc.loadFromCluster();
  else kc.loadFromFile(where);
  return kc;
}

/**
 * Services and endpoints from a Kubernetes API server (Istio's kube controller): list/watch
 * informers on Services, EndpointSlices and Pods (labels and service accounts of endpoints).
 * Synced once every initial list is in; a failed watch starts over (re-list) after `retryMs`.
 * Slice and Pod changes that leave every service definition and identity unchanged are reported
 * as endpoints-only.
 */
export class KubeServiceRegistry implements ServiceRegistry {
  private readonly logger: Logger;
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private readonly kubeServices = new Map<string, KubeService>();
  private readonly slices = new Map<string, KubeEndpointSlice>();
  private readonly pods = new Map<string, KubePod>();
  private readonly informers = new Map<Kind, Informer<KubernetesObject>>();
  private readonly synced = new Set<Kind>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private view: { services: Service[]; byHost: Map<string, Service>; endpoints: Map<string, ServiceEndpoint[]> } | undefined;
  private stopped = false;

  constructor(private readonly opts: KubeServiceRegistryOptions) {
    this.logger = opts.logger.child({ component: 'kube-registry' });
  }

  /** True once Services, EndpointSlices and Pods were listed. */
  get isSynced(): boolean {
    return this.synced.size === 3;
  }

  /** Starts the three informers (each lists, then watches). */
  async start(): Promise<void> {
    const kc = this.opts.kubeConfig;
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const list = (fn: () => Promise<unknown>): ListPromise<KubernetesObject> => fn as unknown as ListPromise<KubernetesObject>;
    const specs: [Kind, string, ListPromise<KubernetesObject>][] = [
      ['pods', '/api/v1/pods', list(() => core.listPodForAllNamespaces())],
      ['services', '/api/v1/services', list(() => core.listServiceForAllNamespaces())],
      ['endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', list(() => discovery.listEndpointSliceForAllNamespaces())],
    ];
    await Promise.all(specs.map(([kind, path, fn]) => this.startInformer(kind, path, fn)));
  }

  /** Stops watching. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await Promise.all([...this.informers.values()].map((i) => i.stop().catch(() => undefined)));
  }

  services(): Service[] {
    return this.compute().services;
  }

  endpoints(hostname: string, port?: number): ServiceEndpoint[] {
    const all = this.compute().endpoints.get(hostname) ?? [];
    return port === undefined ? [...all] : all.filter((e) => e.servicePort === port);
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async startInformer(kind: Kind, path: string, listFn: ListPromise<KubernetesObject>): Promise<void> {
    const informer = makeInformer(this.opts.kubeConfig, path, async () => {
      const list = await listFn();
      this.synced.add(kind);
      return list;
    });
    const store = kind === 'services' ? this.kubeServices : kind === 'endpointslices' ? this.slices : this.pods;
    const upsert = (o: KubernetesObject): void => this.apply(kind, () => store.set(objectKey(o), o as never), o);
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (o) => this.apply(kind, () => store.delete(objectKey(o)), o));
    informer.on('error', (err) => {
      if (this.stopped) return;
      this.opts.onError?.(err);
      this.logger.warn({ err, kind }, 'Kubernetes list/watch failed; starting over');
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        if (!this.stopped) informer.start().catch((e: unknown) => this.logger.warn({ err: e, kind }, 'Kubernetes informer restart failed'));
      }, this.opts.retryMs ?? 1000);
      this.retryTimers.add(t);
    });
    this.informers.set(kind, informer);
    await informer.start();
  }

  /** Applies one object change and reports the hosts it touched. */
  private apply(kind: Kind, mutate: () => void, o: KubernetesObject): void {
    const hosts = this.affectedHosts(kind, o);
    const view = this.compute();
    const before = new Map(hosts.map((h) => [h, [serviceSignature(view.byHost.get(h), view.endpoints.get(h) ?? []), JSON.stringify(view.endpoints.get(h) ?? [])]] as const));
    mutate();
    this.view = undefined;
    const after = this.compute();
    const changed: string[] = [];
    let endpointsOnly = true;
    for (const h of hosts) {
      const [sig, eps] = before.get(h)!;
      const sigAfter = serviceSignature(after.byHost.get(h), after.endpoints.get(h) ?? []);
      if (sig !== sigAfter) endpointsOnly = false;
      if (sig !== sigAfter || eps !== JSON.stringify(after.endpoints.get(h) ?? [])) changed.push(h);
    }
    if (changed.length === 0) return;
    for (const l of this.listeners) l({ hostnames: changed, endpointsOnly });
  }

  private hostOf(namespace: string | undefined, name: string | undefined): string {
    return `${name}.${namespace ?? 'default'}.svc.${this.opts.domainSuffix}`;
  }

  private affectedHosts(kind: Kind, o: KubernetesObject): string[] {
    if (kind === 'services') return [this.hostOf(o.metadata?.namespace, o.metadata?.name)];
    if (kind === 'endpointslices') {
      const svc = o.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc ? [this.hostOf(o.metadata?.namespace, svc)] : [];
    }
    const ref = objectKey(o);
    const hosts = new Set<string>();
    for (const s of this.slices.values()) {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc && (s.endpoints ?? []).some((e) => `${e.targetRef?.namespace ?? s.metadata?.namespace}/${e.targetRef?.name}` === ref)) hosts.add(this.hostOf(s.metadata?.namespace, svc));
    }
    return [...hosts];
  }

  private compute(): NonNullable<KubeServiceRegistry['view']> {
    if (this.view) return this.view;
    const byHost = new Map<string, Service>();
    for (const ks of this.kubeServices.values()) {
      const svc = convertService(ks, this.opts.domainSuffix);
      if (svc) byHost.set(svc.hostname, svc);
    }
    const endpoints = new Map<string, ServiceEndpoint[]>();
    const sortedSlices = [...this.slices.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, slice] of sortedSlices) {
      const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      const svc = name ? byHost.get(this.hostOf(slice.metadata?.namespace, name)) : undefined;
      if (!svc) continue;
      let list = endpoints.get(svc.hostname);
      if (!list) endpoints.set(svc.hostname, (list = []));
      list.push(...convertEndpointSlice(slice, svc, this.pods));
    }
    const services = [...byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
    this.view = { services, byHost, endpoints };
    return this.view;
  }
}
