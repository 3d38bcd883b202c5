import { int32, labelSelector, nonEmpty, port, str, stringMap } from './common.js';
import { workloadEntrySpecSchema } from './service-entry.js';

const httpHeader = { type: 'object', additionalProperties: false, properties: { name: str, value: str } } as const;

/** `ReadinessProbe` of a WorkloadGroup: exactly one of httpGet, tcpSocket, exec, grpc. */
const readinessProbe = {
  type: 'object',
  additionalProperties: false,
  properties: {
    initialDelaySeconds: int32,
    timeoutSeconds: int32,
    periodSeconds: int32,
    successThreshold: int32,
    failureThreshold: int32,
    httpGet: {
      type: 'object',
      additionalProperties: false,
      required: ['port'],
      properties: { path: str, port, host: str, scheme: str, httpHeaders: { type: 'array', items: httpHeader } },
    },
    tcpSocket: { type: 'object', additionalProperties: false, required: ['port'], properties: { host: str, port } },
    exec: { type: 'object', additionalProperties: false, required: ['command'], properties: { command: { type: 'array', items: nonEmpty } } },
    grpc: { type: 'object', additionalProperties: false, properties: { port, service: str } },
  },
} as const;

/** Schema of `WorkloadGroup.spec`: metadata and template for the WorkloadEntries it creates. */
export const workloadGroupSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['template'],
  properties: {
    metadata: { type: 'object', additionalProperties: false, properties: { labels: stringMap, annotations: stringMap } },
    template: workloadEntrySpecSchema,
    probe: readinessProbe,
  },
} as const;

/** Schema of `ProxyConfig.spec` (networking.istio.io/v1beta1). */
export const proxyConfigSpecSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    selector: labelSelector,
    concurrency: { type: 'integer', minimum: 0, maximum: 2147483647, errorMessage: 'must be a whole number >= 0 (0 means one worker per CPU core)' },
    environmentVariables: stringMap,
    image: { type: 'object', additionalProperties: false, properties: { imageType: str } },
  },
} as const;
