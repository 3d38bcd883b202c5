import { Redis } from 'ioredis';
import type { AdapterEnv, AdapterHandler, AdapterInstance, AdapterQuotaArgs, AdapterQuotaResult, MixerAdapter } from '@mesh/shared-api';
import { param } from './params.js';
import { quotaLimits, resolveQuota } from './quota-config.js';
import type { QuotaLimit } from './quota-config.js';

/**
 * `redisquota`: rate limits kept in Redis, so that one limit holds across all Mixer replicas.
 * Each allocation is one Lua script (atomic on the server):
 * - FIXED_WINDOW: one counter per window of validDuration, expiring with it;
 * - ROLLING_WINDOW: a hash of per-bucket counts (bucketDuration), summed over the last
 *   validDuration; buckets that fell out of the window are deleted.
 * Keys are `<prefix><quota name>;<dimensions>` (prefix: MESH_MIXER_REDIS_KEY_PREFIX). With
 * bestEffort, what is left is granted; otherwise all or nothing.
 */
const FIXED = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local max = tonumber(ARGV[1]); local amount = tonumber(ARGV[2]); local best = ARGV[3] == '1'; local ttl = tonumber(ARGV[4])
local grant = 0
if used + amount <= max then grant = amount elseif best then grant = math.max(0, max - used) end
if grant > 0 then
  redis.call('INCRBY', KEYS[1], grant)
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return grant`;

const ROLLING = `
local max = tonumber(ARGV[1]); local amount = tonumber(ARGV[2]); local best = ARGV[3] == '1'
local now = tonumber(ARGV[4]); local window = tonumber(ARGV[5]); local bucket = tonumber(ARGV[6])
local current = math.floor(now / bucket); local oldest = math.floor((now - window) / bucket)
local all = redis.call('HGETALL', KEYS[1])
local used = 0
for i = 1, #all, 2 do
  local b = tonumber(all[i])
  if b <= oldest then redis.call('HDEL', KEYS[1], all[i]) else used = used + tonumber(all[i + 1]) end
end
local grant = 0
if used + amount <= max then grant = amount elseif best then grant = math.max(0, max - used) end
if grant > 0 then
  redis.call('HINCRBY', KEYS[1], tostring(current), grant)
  redis.call('PEXPIRE', KEYS[1], window + bucket)
end
return grant`;

class RedisQuotaHandler implements AdapterHandler {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(
    private readonly limits: readonly QuotaLimit[],
    url: string,
    env: AdapterEnv,
  ) {
    this.prefix = env.settings['redisKeyPrefix'] ?? 'mixer:';
    const [host, port] = url.replace(/^redis:\/\//, '').split(':');
    this.redis = new Redis({ host: host || '127.0.0.1', port: Number(port || 6379), lazyConnect: false, maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: true });
    this.redis.on('error', (err: Error) => env.logger.warn({ err: err.message }, 'redis connection error'));
    this.redis.defineCommand('mixerFixed', { numberOfKeys: 1, lua: FIXED });
    this.redis.defineCommand('mixerRolling', { numberOfKeys: 1, lua: ROLLING });
  }

  async handleQuota(instance: AdapterInstance, args: AdapterQuotaArgs): Promise<AdapterQuotaResult> {
    const q = resolveQuota(this.limits, instance);
    if (!q) return { grantedAmount: args.amount, validDurationMs: 0 };
    const window = Math.max(1, q.validDurationMs);
    const best = args.bestEffort ? '1' : '0';
    const r = this.redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>;
    let granted: number;
    if (q.limit.algorithm === 'ROLLING_WINDOW') {
      const bucket = Math.max(1, q.limit.bucketDurationMs || window / 10);
      granted = await r['mixerRolling']!(`${this.prefix}${q.key}`, q.maxAmount, args.amount, best, Date.now(), window, bucket);
    } else {
      const windowIndex = Math.floor(Date.now() / window);
      granted = await r['mixerFixed']!(`${this.prefix}${q.key};w${windowIndex}`, q.maxAmount, args.amount, best, window);
    }
    return { grantedAmount: Number(granted), validDurationMs: q.validDurationMs };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The built-in redisquota adapter. */
export const redisquotaAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'redisquota',
  templates: ['quota'],
  validateParams(params) {
    const problems: string[] = [];
    if (typeof param(params, 'redisServerUrl') !== 'string') problems.push('redisServerUrl is required (host:port)');
    for (const q of quotaLimits(params)) {
      if (q.algorithm === 'ROLLING_WINDOW' && q.bucketDurationMs <= 0) problems.push(`quotas ${q.name}: a ROLLING_WINDOW needs bucketDuration`);
      if (q.validDurationMs <= 0) problems.push(`quotas ${q.name}: validDuration must be positive`);
    }
    return problems;
  },
  createHandler(params, env) {
    return new RedisQuotaHandler(quotaLimits(params), String(param(params, 'redisServerUrl')), env);
  },
};
