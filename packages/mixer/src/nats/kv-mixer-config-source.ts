import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
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
 * Follows Galley's config bucket, keeping the config.istio.io objects: a KV watch delivers the
 * last value of every key, then every change. Each (re)start of the watch (after a failure or a
 * NATS reconnect) is a full reload that replaces the state, so nothing is lost while away. A
 * bucket that does not exist yet means "no config" (synced), and is looked for again.
 */
export class KvMixerConfigSource {
  private readonly log: Logger;
  private readonly bucket: string;
  private state = new Map<string, ConfigResource>();
  private stopped = false;
  private synced = false;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));
  private watch: { stop(): void } | undefined;
  private loop: Promise<void> | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly opts: KvMixerConfigSourceOptions) {
    this.log = opts.logger.child({ component: 'kv-mixer-config' });
    this.bucket = opts.bucket ?? CONFIG_BUCKET;
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
    if (this.loop) return;
    this.loop = this.run();
    void this.followReconnects();
  }

  /** Stops following (idempotent); waits for an apply in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.debounce) clearTimeout(this.debounce);
    this.watch?.stop();
    this.wake?.();
    await this.loop;
    await this.pending;
  }

  private async run(): Promise<void> {
    const kvm = new Kvm(this.opts.nc);
    while (!this.stopped) {
      try {
        const kv = await kvm.open(this.bucket);
        if (!(await this.follow(kv)) && !this.stopped) await this.sleep(this.opts.retryMs ?? 1000);
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err, bucket: this.bucket }, 'config watch failed; reloading');
        await this.sleep(this.opts.retryMs ?? 1000);
      }
    }
  }

  private async follow(kv: KV): Promise<boolean> {
    let lastSeq: number;
    let messages: number;
    try {
      const status = await kv.status();
      lastSeq = status.streamInfo.state.last_seq;
      messages = status.streamInfo.state.messages;
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message ?? '') && (err as { api_error?: { err_code?: number } }).api_error?.err_code !== 10059) throw err;
      this.replace(new Map());
      return false;
    }
    const iter = await kv.watch({ key: '>' });
    this.watch = iter;
    if (this.stopped) iter.stop();
    let loading: Map<string, ConfigResource> | undefined = new Map();
    if (messages === 0) {
      this.replace(loading);
      loading = undefined;
    }
    for await (const e of iter) {
      const target = loading ?? this.state;
      if (e.key.startsWith(POLICY_KEY_PREFIX)) {
        if (e.operation === 'PUT') {
          const r = decode(e.key, e.value, e.revision);
          if (r) target.set(e.key, r);
          else this.log.warn({ key: e.key }, 'config entry is not a config object; skipped');
        } else {
          target.delete(e.key);
        }
        if (!loading) this.schedule();
      }
      if (loading && e.revision >= lastSeq) {
        this.replace(loading);
        loading = undefined;
      }
    }
    return true;
  }

  private replace(next: Map<string, ConfigResource>): void {
    this.state = next;
    this.schedule(0);
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

  private async followReconnects(): Promise<void> {
    const iter = this.opts.nc.status() as AsyncIterable<{ type: string }>;
    try {
      for await (const s of iter) {
        if (this.stopped) break;
        if (s.type === 'reconnect') {
          this.log.info('NATS reconnected: reloading Mixer config');
          this.watch?.stop();
        }
      }
    } catch (err) {
      this.log.debug({ err }, 'NATS status stream ended');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
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
