import { exportTo, nonEmpty, portMap, portSpec, protoEnum, str, stringMap, strList, uint32, workloadSelector } from './common.js';

/** `WorkloadEntry` spec: a non-Kubernetes workload (also a ServiceEntry endpoint). */
export const workloadEntrySpecSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    address: str,
    ports: portMap,
    labels: stringMap,
    network: str,
    locality: str,
    weight: uint32,
    serviceAccount: str,
  },
} as const;

/** Schema of `ServiceEntry.spec` (networking.istio.io, every served version). */
export const serviceEntrySpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: {
    hosts: { type: 'array', items: nonEmpty },
    addresses: strList,
    ports: { type: 'array', items: portSpec },
    location: protoEnum('MESH_EXTERNAL', 'MESH_INTERNAL'),
    resolution: protoEnum('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'),
    endpoints: { type: 'array', items: workloadEntrySpecSchema },
    workloadSelector,
    exportTo,
    subjectAltNames: strList,
  },
} as const;
