import { KINDS, MeshError } from '@mesh/shared-api';
import type { KindInfo } from '@mesh/shared-api';
import type { FastifyInstance } from 'fastify';
import { statusFromError } from './status.js';

/** Verbs the resource routes implement; discovery must not promise more (kubectl relies on it). */
export const SERVED_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;

interface GroupVersion {
  groupVersion: string;
  version: string;
}

/** `metav1.APIGroup` for one group, built from KINDS (preferred version = the kind table's first). */
export function apiGroup(group: string): { name: string; versions: GroupVersion[]; preferredVersion: GroupVersion } | undefined {
  const kinds = KINDS.filter((k) => k.group === group);
  if (kinds.length === 0) return undefined;
  const versions = [...new Set(kinds.flatMap((k) => k.versions))].map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0]! };
}

/** `metav1.APIResourceList` for one group/version, or undefined when it is not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const kinds = KINDS.filter((k) => k.group === group && k.versions.includes(version));
  if (kinds.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: kinds.map(apiResource) };
}

/** Discovery categories: `istio-io` (so `kubectl get istio-io` lists every Istio kind) and the group's own, as Istio's CRDs declare. */
export function categoriesOf(k: KindInfo): string[] {
  return ['istio-io', k.group.replaceAll('.', '-')];
}

function apiResource(k: KindInfo): Record<string, unknown> {
  return {
    name: k.plural,
    singularName: k.singular,
    namespaced: k.namespaced,
    kind: k.kind,
    verbs: [...SERVED_VERBS],
    shortNames: [...k.shortNames],
    categories: categoriesOf(k),
  };
}

/**
 * Kubernetes discovery (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api),
 * unaggregated: `/api` (the core group, which Galley serves no resources of), `/apis`,
 * `/apis/<group>`, `/apis/<group>/<version>`, and `/version`. Clients that ask for aggregated
 * discovery fall back to these when the answer is plain `application/json`.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, version: string): void {
  const notFound = () => statusFromError(new MeshError('NOT_FOUND', 'the server could not find the requested resource'));
  // Galley serves no core (`v1`) resources. Listing no versions keeps clients from fetching an empty
  // `/api/v1`, which client-go reports as a partial discovery failure and then refuses to cache.
  app.get('/api', async () => ({ kind: 'APIVersions', versions: [], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] }));
  app.get('/api/v1', async () => ({ kind: 'APIResourceList', groupVersion: 'v1', resources: [] }));
  app.get('/apis', async () => ({
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...new Set(KINDS.map((k) => k.group))].map((g) => apiGroup(g)!),
  }));
  app.get<{ Params: { group: string } }>('/apis/:group', async (req, reply) => {
    const group = apiGroup(req.params.group);
    return group ? { kind: 'APIGroup', apiVersion: 'v1', ...group } : reply.code(404).send(notFound());
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (req, reply) => {
    return apiResourceList(req.params.group, req.params.version) ?? reply.code(404).send(notFound());
  });
  app.get('/version', async () => versionInfo(version));
}

/** `version.Info`: Galley's own version (it is not a Kubernetes release, so major/minor are Galley's). */
function versionInfo(version: string): Record<string, string> {
  const [major = '0', minor = '0'] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '',
    goVersion: '',
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch}`,
  };
}
