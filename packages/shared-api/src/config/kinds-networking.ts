import type { KindInfo } from './kinds.js';

const group = 'networking.istio.io';
/** The versions Istio serves the core networking kinds at; v1alpha3 (1.4's) first, as the storage version. */
const versions = ['v1alpha3', 'v1beta1', 'v1'] as const;

/** networking.istio.io kinds, with the versions and short names Istio's CRDs declare. */
export const NETWORKING_KINDS: readonly KindInfo[] = [
  { group, versions, kind: 'VirtualService', plural: 'virtualservices', singular: 'virtualservice', shortNames: ['vs'], namespaced: true },
  { group, versions, kind: 'DestinationRule', plural: 'destinationrules', singular: 'destinationrule', shortNames: ['dr'], namespaced: true },
  { group, versions, kind: 'Gateway', plural: 'gateways', singular: 'gateway', shortNames: ['gw'], namespaced: true },
  { group, versions, kind: 'ServiceEntry', plural: 'serviceentries', singular: 'serviceentry', shortNames: ['se'], namespaced: true },
  { group, versions, kind: 'Sidecar', plural: 'sidecars', singular: 'sidecar', shortNames: [], namespaced: true },
  { group, versions, kind: 'WorkloadEntry', plural: 'workloadentries', singular: 'workloadentry', shortNames: ['we'], namespaced: true },
  { group, versions, kind: 'WorkloadGroup', plural: 'workloadgroups', singular: 'workloadgroup', shortNames: ['wg'], namespaced: true },
  { group, versions: ['v1alpha3'], kind: 'EnvoyFilter', plural: 'envoyfilters', singular: 'envoyfilter', shortNames: [], namespaced: true },
  { group, versions: ['v1beta1'], kind: 'ProxyConfig', plural: 'proxyconfigs', singular: 'proxyconfig', shortNames: [], namespaced: true },
];
