import type { KindInfo } from './kinds.js';

const group = 'networking.istio.io';
const versions = ['v1alpha3', 'v1beta1', 'v1'] as const;

/** networking.istio.io kinds. */
export const NETWORKING_KINDS: readonly KindInfo[] = [
  { group, versions, kind: 'VirtualService', plural: 'virtualservices', singular: 'virtualservice', shortNames: ['vs'], namespaced: true },
  { group, versions, kind: 'DestinationRule', plural: 'destinationrules', singular: 'destinationrule', shortNames: ['dr'], namespaced: true },
];
