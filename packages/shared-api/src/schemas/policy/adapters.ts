import type { JsonSchema } from '../common.js';
import { bool, double, goDuration, int32, int64, listOf, mapOf, message, protoEnum, str, stringList, stringMap, struct } from '../security/message.js';

// Adapter params are protobuf messages decoded with jsonpb: proto names accepted, enums by name or number.
const proto = { protoNames: true } as const;

const buckets = message(
  {
    linearBuckets: message({ numFiniteBuckets: int32, width: double, offset: double }, proto),
    exponentialBuckets: message({ numFiniteBuckets: int32, growthFactor: double, scale: double }, proto),
    explicitBuckets: message({ bounds: listOf(double) }, proto),
  },
  { ...proto, oneOf: ['linearBuckets', 'exponentialBuckets', 'explicitBuckets'] },
);

/** `adapter.prometheus.config.Params`. */
export const prometheusParamsSchema: JsonSchema = message(
  {
    metrics: listOf(
      message(
        {
          namespace: str,
          name: str,
          instanceName: str,
          description: str,
          kind: protoEnum(['UNSPECIFIED', 'GAUGE', 'COUNTER', 'DISTRIBUTION']),
          buckets,
          labelNames: stringList,
        },
        proto,
      ),
    ),
    metricsExpirationPolicy: message({ metricsExpiryDuration: goDuration, expiryCheckIntervalDuration: goDuration }, proto),
  },
  proto,
);

/** stdio's log levels. */
export const STDIO_LEVELS = ['INFO', 'WARNING', 'ERROR'] as const;

/** `adapter.stdio.config.Params`. */
export const stdioParamsSchema: JsonSchema = message(
  {
    logStream: protoEnum(['STDOUT', 'STDERR', 'FILE', 'ROTATED_FILE']),
    severityLevels: mapOf(protoEnum(STDIO_LEVELS)),
    metricLevel: protoEnum(STDIO_LEVELS),
    outputAsJson: bool,
    outputLevel: protoEnum(STDIO_LEVELS),
    outputPath: str,
    maxMegabytesBeforeRotation: int32,
    maxDaysBeforeRotation: int32,
    maxRotatedFiles: int32,
  },
  proto,
);

/** `adapter.denier.config.Params`. */
export const denierParamsSchema: JsonSchema = message(
  {
    status: message({ code: int32, message: str, details: listOf(struct) }, proto),
    validDuration: goDuration,
    validUseCount: int32,
  },
  proto,
);

/** `adapter.list.config.Params` (the `listchecker` adapter). */
export const listParamsSchema: JsonSchema = message(
  {
    providerUrl: str,
    refreshInterval: goDuration,
    ttl: goDuration,
    cachingInterval: goDuration,
    cachingUseCount: int32,
    overrides: stringList,
    entryType: protoEnum(['STRINGS', 'CASE_INSENSITIVE_STRINGS', 'IP_ADDRESSES', 'REGEX']),
    blacklist: bool,
  },
  proto,
);

/** `adapter.memquota.config.Params`. */
export const memquotaParamsSchema: JsonSchema = message(
  {
    quotas: listOf(
      message(
        {
          name: str,
          maxAmount: int64,
          validDuration: goDuration,
          overrides: listOf(message({ dimensions: stringMap, maxAmount: int64, validDuration: goDuration }, proto)),
        },
        proto,
      ),
    ),
    minDeduplicationDuration: goDuration,
  },
  proto,
);

/** redisquota's rate-limit algorithms. */
export const RATE_LIMIT_ALGORITHMS = ['FIXED_WINDOW', 'ROLLING_WINDOW'] as const;

/** `adapter.redisquota.config.Params`. */
export const redisquotaParamsSchema: JsonSchema = message(
  {
    quotas: listOf(
      message(
        {
          name: str,
          maxAmount: int64,
          validDuration: goDuration,
          bucketDuration: goDuration,
          rateLimitAlgorithm: protoEnum(RATE_LIMIT_ALGORITHMS),
          overrides: listOf(message({ dimensions: stringMap, maxAmount: int64 }, proto)),
        },
        proto,
      ),
    ),
    redisServerUrl: str,
    connectionPoolSize: int64,
  },
  proto,
);

/**
 * Params schemas of the compiled-in adapters Mixer implements (by adapter name). Other Istio 1.4
 * adapters ({@link OTHER_ADAPTERS}) take any object.
 */
export const ADAPTER_PARAMS: Readonly<Record<string, JsonSchema>> = {
  prometheus: prometheusParamsSchema,
  stdio: stdioParamsSchema,
  denier: denierParamsSchema,
  listchecker: listParamsSchema,
  memquota: memquotaParamsSchema,
  redisquota: redisquotaParamsSchema,
};

/** Istio 1.4's other compiled-in adapters (each also a legacy config.istio.io kind). */
export const OTHER_ADAPTERS = [
  'bypass',
  'circonus',
  'cloudwatch',
  'dogstatsd',
  'fluentd',
  'kubernetesenv',
  'noop',
  'opa',
  'rbac',
  'servicecontrol',
  'signalfx',
  'solarwinds',
  'stackdriver',
  'statsd',
] as const;
