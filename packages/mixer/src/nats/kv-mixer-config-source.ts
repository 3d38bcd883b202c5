import type { KvWatchEntry } from '@nats-io/kv';
import { KvFollower } from '@mesh/runtime';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { CLUSTER_SCOPE_TOKEN, CONFIG_BUCKET, parseConfigKey } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';

/** Options of {@link KvMixerConfigSource}. */
export interface KvMixerConfigSourceOptions {
  nc: NatsConnection;
  logger: Logger;
  /** Called with the full config.istio.io state after the first load and after every change (debounced). */
  onChange: (resources: ConfigResource[]) => Promise<void>;
  bucket?: string;
  /** Changes arriving within this window are applied together (ms). */
  debounceMs?: number;
  retryMs?: number;
}

/** The KV key prefix of config.istio.io objects (see configKey in shared-api). */
const POLICY_KEY_PREFIX = 'config_istio_io.';

/**
 * Follows Galley's config bucket (through the shared {@link KvFollower}: a full reload after every
 * failure or NATS reconnect, so nothing is lost while away; a missing bucket means "no config"),
 * keeping the config.istio.io objects and handing the whole set to `onChange`, debounced.
 */
export class KvMixerConfigSource {
  private readonly log: Logger;
  private readonly follower: KvFollower;
  private state = new Map<string, ConfigResource>();
  private synced = false;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));
  private debounce: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly opts: KvMixerConfigSourceOptions) {
    this.log = opts.logger.child({ component: 'kv-mixer-config' });
    this.follower = new KvFollower({
      nc: opts.nc,
      bucket: opts.bucket ?? CONFIG_BUCKET,
      logger: opts.logger,
      retryMs: opts.retryMs,
      handler: {
        reset: (entries) => {
          const next = new Map<string, ConfigResource>();
          for (const e of entries.values()) this.put(next, e);
          this.state = next;
          this.schedule(0);
        },
        change: (e) => {
          if (!e.key.startsWith(POLICY_KEY_PREFIX)) return;
          this.put(this.state, e);
          this.schedule();
        },
      },
    });
  }

  /** True once the first full load was applied (readiness). */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Resolves when the first full load was applied. */
  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  /** Starts loading and following in the background. */
  start(): void {
    this.follower.start();
  }

  /** Stops following (idempotent); waits for an apply in progress. */
  async stop(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce);
    await this.follower.stop();
    await this.pending;
  }

  private put(target: Map<string, ConfigResource>, e: KvWatchEntry): void {
    if (!e.key.startsWith(POLICY_KEY_PREFIX)) return;
    if (e.operation !== 'PUT') {
      target.delete(e.key);
      return;
    }
    const r = decode(e.key, e.value, e.revision);
    if (r) target.set(e.key, r);
    else this.log.warn({ key: e.key }, 'config entry is not a config object; skipped');
  }

  private schedule(delayMs = this.opts.debounceMs ?? 50): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      const snapshot = [...this.state.values()];
      this.pending = this.pending
        .then(() => this.opts.onChange(snapshot))
        .then(
          () => {
            if (!this.synced) {
              this.synced = true;
              this.resolveSynced();
            }
          },
          (err: unknown) => this.log.error({ err }, 'applying Mixer config failed'),
        );
    }, delayMs);
  }
}

function decode(key: string, value: Uint8Array, revision: number): ConfigResource | undefined {
  const parsed = parseConfigKey(key);
  if (!parsed) return undefined;
  try {
    const r = JSON.parse(Buffer.from(value).toString('utf8')) as ConfigResource;
    if (typeof r !== 'object' || r === null || typeof r.spec !== 'object') return undefined;
    const namespace = parsed.namespace === CLUSTER_SCOPE_TOKEN ? undefined : parsed.namespace;
    r.metadata = { ...r.metadata, name: parsed.name, ...(namespace ? { namespace } : {}), resourceVersion: String(revision) };
    r.apiVersion ??= 'config.istio.io/v1alpha2';
    r.kind ??= parsed.plural;
    return r;
  } catch {
    return undefined;
  }
}
