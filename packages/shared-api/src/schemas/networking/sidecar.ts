import { portSpec, protoEnum, str, strList, workloadSelector } from './common.js';
import { destinationSchema } from './virtual-service.js';
import { serverTlsSchema } from './gateway.js';
import { connectionPoolSchema } from './traffic-policy.js';

const captureMode = protoEnum('DEFAULT', 'IPTABLES', 'NONE');

/** `IstioIngressListener`. */
export const ingressListenerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: portSpec,
    bind: str,
    captureMode,
    defaultEndpoint: str,
    tls: serverTlsSchema,
    connectionPool: connectionPoolSchema,
  },
} as const;

/** `IstioEgressListener`. */
export const egressListenerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { port: portSpec, bind: str, captureMode, hosts: strList },
} as const;

/** Schema of `Sidecar.spec` (networking.istio.io, every served version). */
export const sidecarSpecSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workloadSelector,
    ingress: { type: 'array', items: ingressListenerSchema },
    egress: { type: 'array', items: egressListenerSchema },
    outboundTrafficPolicy: {
      type: 'object',
      additionalProperties: false,
      properties: { mode: protoEnum('REGISTRY_ONLY', 'ALLOW_ANY'), egressProxy: destinationSchema },
    },
    inboundConnectionPool: connectionPoolSchema,
  },
} as const;
