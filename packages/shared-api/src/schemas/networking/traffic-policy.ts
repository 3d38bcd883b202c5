import { bool, duration, int32, port, protoEnum, str, strList, uint32 } from './common.js';

/** `ClientTLSSettings` (1.4's `TLSSettings`): how a sidecar originates TLS to a destination. */
export const clientTlsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: protoEnum('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
    clientCertificate: str,
    privateKey: str,
    caCertificates: str,
    credentialName: str,
    subjectAltNames: strList,
    sni: str,
    insecureSkipVerify: bool,
    caCrl: str,
  },
} as const;

const nonNegative = { type: 'integer', minimum: 0, errorMessage: 'must be a whole number >= 0' } as const;

const consistentHash = {
  type: 'object',
  additionalProperties: false,
  properties: {
    httpHeaderName: str,
    httpCookie: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: str,
        path: str,
        ttl: duration,
        attributes: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: str, value: str } } },
      },
    },
    useSourceIp: bool,
    httpQueryParameterName: str,
    ringHash: { type: 'object', additionalProperties: false, properties: { minimumRingSize: nonNegative } },
    maglev: { type: 'object', additionalProperties: false, properties: { tableSize: nonNegative } },
    minimumRingSize: nonNegative,
  },
} as const;

/** `LocalityLoadBalancerSetting`. */
export const localityLbSettingSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    distribute: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { from: str, to: { type: 'object', additionalProperties: uint32 } } },
    },
    failover: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { from: str, to: str } } },
    failoverPriority: strList,
    enabled: bool,
  },
} as const;

const percentage = { type: 'number', minimum: 0, maximum: 100 } as const;

/** `LoadBalancerSettings`. */
export const loadBalancerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    simple: protoEnum('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
    consistentHash,
    localityLbSetting: localityLbSettingSchema,
    warmupDurationSecs: duration,
    warmup: {
      type: 'object',
      additionalProperties: false,
      required: ['duration'],
      properties: { duration, minimumPercent: percentage, aggression: { type: 'number', minimum: 1, errorMessage: 'must be >= 1' } },
    },
  },
} as const;

/** `ConnectionPoolSettings`. */
export const connectionPoolSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tcp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxConnections: int32,
        connectTimeout: duration,
        tcpKeepalive: { type: 'object', additionalProperties: false, properties: { probes: uint32, time: duration, interval: duration } },
        maxConnectionDuration: duration,
        idleTimeout: duration,
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      properties: {
        http1MaxPendingRequests: int32,
        http2MaxRequests: int32,
        maxRequestsPerConnection: int32,
        maxRetries: int32,
        idleTimeout: duration,
        h2UpgradePolicy: protoEnum('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
        useClientProtocol: bool,
        maxConcurrentStreams: int32,
        http2KeepAlive: { type: 'object', additionalProperties: false, properties: { interval: duration, timeout: duration } },
      },
    },
  },
} as const;

/** `OutlierDetection`. */
export const outlierDetectionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    consecutiveErrors: int32,
    consecutive5xxErrors: uint32,
    consecutiveGatewayErrors: uint32,
    splitExternalLocalOriginErrors: bool,
    consecutiveLocalOriginFailures: uint32,
    interval: duration,
    baseEjectionTime: duration,
    maxEjectionPercent: int32,
    minHealthPercent: int32,
  },
} as const;

/** `TrafficPolicy.PortTrafficPolicy`. */
export const portTrafficPolicySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'object', additionalProperties: false, properties: { number: port } },
    loadBalancer: loadBalancerSchema,
    connectionPool: connectionPoolSchema,
    outlierDetection: outlierDetectionSchema,
    tls: clientTlsSchema,
  },
} as const;

/** `TrafficPolicy`. */
export const trafficPolicySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    loadBalancer: loadBalancerSchema,
    connectionPool: connectionPoolSchema,
    outlierDetection: outlierDetectionSchema,
    tls: clientTlsSchema,
    portLevelSettings: { type: 'array', items: portTrafficPolicySchema },
    tunnel: {
      type: 'object',
      additionalProperties: false,
      required: ['targetHost', 'targetPort'],
      properties: { protocol: str, targetHost: str, targetPort: uint32 },
    },
    proxyProtocol: { type: 'object', additionalProperties: false, properties: { version: protoEnum('V1', 'V2') } },
    retryBudget: { type: 'object', additionalProperties: false, properties: { percent: percentage, minRetryConcurrency: uint32 } },
  },
} as const;

