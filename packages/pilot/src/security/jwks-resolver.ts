import http from 'node:http';
import https from 'node:https';
import type { Logger } from '@mesh/runtime';
import { fakeJwks } from './jwks-uris.js';

/** What fetching a key set gives: its text, or why there is none. */
export type JwksFetchResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

/** Fetches one key set (injectable for tests); must settle within `timeoutMs`. */
export type JwksFetcher = (uri: string, timeoutMs: number) => Promise<JwksFetchResult>;

/** Counts fetches (Istio: `pilot_jwks_resolver_network_fetch_success_total` / `_fail_total`). */
export interface JwksMetrics {
  fetched(ok: boolean): void;
}

/** Options of {@link JwksResolver}. */
export interface JwksResolverOptions {
  /** Per-fetch timeout (Istio: 5 s). */
  timeoutMs: number;
  /** How often every key set in use is fetched again (Istio PILOT_JWT_PUB_KEY_REFRESH_INTERVAL: 20 min). */
  refreshIntervalMs: number;
  /** How soon a failed key set is tried again (Istio: 1 min). */
  retryIntervalMs: number;
  /** Called when a key set in use changed (fetched for the first time, rotated, failed): push again. */
  onChange: () => void;
  logger: Logger;
  metrics?: JwksMetrics;
  fetch?: JwksFetcher;
  /** Extra CA certificates (PEM) trusted for https key sets. */
  ca?: string;
}

interface Entry {
  /** The text inlined into jwt_authn: the fetched set, or the fake set after a failure. */
  text: string | undefined;
  ok: boolean;
  inFlight: Promise<void> | undefined;
  nextAt: number;
}

/** A plain GET with a timeout; 2xx with a JSON body containing `keys` is a key set. */
export function httpJwksFetcher(ca?: string): JwksFetcher {
  return (uri, timeoutMs) =>
    new Promise<JwksFetchResult>((resolve) => {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        resolve({ ok: false, error: `invalid jwksUri ${uri}` });
        return;
      }
      const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
      if (!lib) {
        resolve({ ok: false, error: `unsupported scheme in jwksUri ${uri}` });
        return;
      }
      const req = lib.get(url, { timeout: timeoutMs, headers: { accept: 'application/json' }, ...(ca && url.protocol === 'https:' ? { ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => resolve({ ok: false, error: err.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return resolve({ ok: false, error: `HTTP ${status} from ${uri}` });
          try {
            const doc = JSON.parse(text) as { keys?: unknown };
            if (!Array.isArray(doc.keys)) return resolve({ ok: false, error: `no "keys" in the JSON from ${uri}` });
          } catch {
            return resolve({ ok: false, error: `invalid JSON from ${uri}` });
          }
          resolve({ ok: true, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (err) => resolve({ ok: false, error: err.message }));
    });
}

/**
 * Istio's JWKS resolver: Pilot fetches the key sets of `jwksUri`s itself and inlines them into the
 * jwt_authn filter (`local_jwks`), so proxies need no route to the issuer. Sets are cached,
 * refreshed on an interval (a change triggers a push), and forgotten when no config uses them any
 * more. A failed fetch is logged and counted, and the URI gets Istio's fake set (every token
 * fails) until a retry succeeds; a set that fetched once keeps its last good value on later
 * failures.
 */
export class JwksResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly fetcher: JwksFetcher;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: JwksResolverOptions) {
    this.fetcher = opts.fetch ?? httpJwksFetcher(opts.ca);
  }

  /** The key set text per URI, for translation (URIs still being fetched for the first time are absent). */
  keys(): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const [uri, e] of this.entries) if (e.text !== undefined) out.set(uri, e.text);
    return out;
  }

  /** Follows the URIs the config uses now: new ones are fetched, unused ones dropped. */
  sync(uris: ReadonlySet<string>): void {
    if (this.stopped) return;
    for (const uri of [...this.entries.keys()]) if (!uris.has(uri)) this.entries.delete(uri);
    for (const uri of uris) {
      if (this.entries.has(uri)) continue;
      this.entries.set(uri, { text: undefined, ok: false, inFlight: undefined, nextAt: 0 });
      void this.refresh(uri);
    }
    this.schedule();
  }

  /** Waits for the fetches in flight (tests, start-up). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.inFlight));
  }

  /** Stops refreshing; idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private refresh(uri: string): Promise<void> {
    const e = this.entries.get(uri);
    if (!e) return Promise.resolve();
    e.inFlight ??= this.fetcher(uri, this.opts.timeoutMs)
      .catch((err: unknown): JwksFetchResult => ({ ok: false, error: err instanceof Error ? err.message : String(err) }))
      .then((r) => {
        e.inFlight = undefined;
        if (this.stopped || this.entries.get(uri) !== e) return;
        this.opts.metrics?.fetched(r.ok);
        const before = e.text;
        if (r.ok) {
          e.ok = true;
          e.text = r.text;
          e.nextAt = Date.now() + this.opts.refreshIntervalMs;
        } else {
          this.opts.logger.warn({ jwksUri: uri, error: r.error }, 'failed to fetch the JWKS; tokens of this issuer fail until it can be fetched');
          // Keep the last good set; never fetched: Istio's fake set, so tokens fail instead of the push.
          if (!e.ok) e.text = fakeJwks(uri);
          e.nextAt = Date.now() + this.opts.retryIntervalMs;
        }
        if (e.text !== before) this.opts.onChange();
        this.schedule();
      });
    return e.inFlight;
  }

  /** One timer for the earliest due refresh. */
  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const due = [...this.entries.values()].filter((e) => !e.inFlight && e.nextAt > 0).map((e) => e.nextAt);
    if (due.length === 0) return;
    const wait = Math.max(0, Math.min(...due) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      for (const [uri, e] of this.entries) if (!e.inFlight && e.nextAt > 0 && e.nextAt <= now) void this.refresh(uri);
      this.schedule();
    }, wait);
    this.timer.unref();
  }
}
