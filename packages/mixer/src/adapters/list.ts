import net from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { AdapterCheckResult, AdapterEnv, AdapterHandler, InstanceValue, MixerAdapter } from '@mesh/shared-api';
import { durationParam, numberParam, param, RpcCode, valueText } from './params.js';

/** How list entries compare (Istio's listchecker `entryType`). */
export type EntryType = 'STRINGS' | 'CASE_INSENSITIVE_STRINGS' | 'IP_ADDRESSES' | 'REGEX';

/** A compiled list: tells whether a value is on it. */
export type ListMatcher = (value: InstanceValue) => boolean;

/** Builds the matcher of one list of entries; throws on an entry that cannot be used (bad CIDR, bad regex). */
export function compileList(entries: readonly string[], type: EntryType): ListMatcher {
  switch (type) {
    case 'STRINGS': {
      const set = new Set(entries);
      return (v) => set.has(valueText(v));
    }
    case 'CASE_INSENSITIVE_STRINGS': {
      const set = new Set(entries.map((e) => e.toLowerCase()));
      return (v) => set.has(valueText(v).toLowerCase());
    }
    case 'REGEX': {
      // Istio anchors nothing: a regex matches anywhere, as Go's regexp.MatchString does.
      const res = entries.map((e) => new RegExp(e));
      return (v) => res.some((r) => r.test(valueText(v)));
    }
    case 'IP_ADDRESSES': {
      const list = new net.BlockList();
      for (const e of entries) {
        const [addr, prefix] = e.split('/');
        const family = net.isIP(addr ?? '') === 6 ? 'ipv6' : 'ipv4';
        if (net.isIP(addr ?? '') === 0) throw new Error(`"${e}" is not an IP address or CIDR range`);
        if (prefix === undefined) list.addAddress(addr!, family);
        else list.addSubnet(addr!, Number(prefix), family);
      }
      return (v) => {
        const text = valueText(v);
        const family = net.isIP(text);
        return family !== 0 && list.check(text, family === 6 ? 'ipv6' : 'ipv4');
      };
    }
  }
}

/** Parses a fetched list: a YAML (or JSON) array of strings, or one entry per line. */
export function parseListBody(body: string): string[] {
  try {
    const doc: unknown = parseYaml(body);
    if (Array.isArray(doc)) return doc.map(String);
  } catch {
    // not YAML: fall through to lines
  }
  return body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * `listchecker`: a white or black list of strings, case-insensitive strings, IP ranges or regexes,
 * from `overrides` (static) and/or `providerUrl` (fetched every `refreshInterval`; if it cannot be
 * refreshed for `ttl`, the fetched entries are dropped and checks answer UNAVAILABLE). A value not
 * on a whitelist is NOT_FOUND; a value on a blacklist is PERMISSION_DENIED (Istio's codes).
 */
export const listAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'listchecker',
  templates: ['listentry'],
  validateParams(params) {
    try {
      compileList(((param(params, 'overrides') as string[] | undefined) ?? []).map(String), entryTypeOf(params));
      return [];
    } catch (err) {
      return [`overrides: ${(err as Error).message}`];
    }
  },
  createHandler(params, env) {
    return new ListHandler(params, env);
  },
};

function entryTypeOf(params: Readonly<Record<string, unknown>>): EntryType {
  const t = param(params, 'entryType');
  return t === 'CASE_INSENSITIVE_STRINGS' || t === 'IP_ADDRESSES' || t === 'REGEX' ? t : t === 1 ? 'CASE_INSENSITIVE_STRINGS' : t === 2 ? 'IP_ADDRESSES' : t === 3 ? 'REGEX' : 'STRINGS';
}

class ListHandler implements AdapterHandler {
  private readonly type: EntryType;
  private readonly blacklist: boolean;
  private readonly overrides: ListMatcher;
  private fetched: { matcher: ListMatcher; at: number } | undefined;
  private readonly url: string | undefined;
  private readonly refreshMs: number;
  private readonly ttlMs: number;
  private readonly cachingMs: number;
  private readonly cachingUses: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    params: Readonly<Record<string, unknown>>,
    private readonly env: AdapterEnv,
  ) {
    this.type = entryTypeOf(params);
    this.blacklist = param(params, 'blacklist') === true;
    this.overrides = compileList(((param(params, 'overrides') as string[] | undefined) ?? []).map(String), this.type);
    const url = param(params, 'providerUrl');
    this.url = typeof url === 'string' && url !== '' ? url : undefined;
    this.refreshMs = durationParam(params, 'refreshInterval', 60_000);
    this.ttlMs = durationParam(params, 'ttl', 300_000);
    this.cachingMs = durationParam(params, 'cachingInterval', 300_000);
    this.cachingUses = numberParam(params, 'cachingUseCount', 10_000);
    if (this.url) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), this.refreshMs);
      this.timer.unref();
    }
  }

  private async refresh(): Promise<void> {
    try {
      const res = await fetch(this.url!, { signal: AbortSignal.timeout(Math.min(this.refreshMs, 10_000)) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const entries = parseListBody(await res.text());
      if (!this.closed) this.fetched = { matcher: compileList(entries, this.type), at: Date.now() };
      this.env.logger.debug({ url: this.url, entries: entries.length }, 'list fetched');
    } catch (err) {
      this.env.logger.warn({ err, url: this.url }, 'list could not be fetched; keeping the last one until its ttl');
    }
  }

  handleCheck(instance: { fields: Readonly<Record<string, InstanceValue>> }): AdapterCheckResult {
    const value = instance.fields['value'];
    const validity = { validDurationMs: this.cachingMs, validUseCount: this.cachingUses };
    if (value === undefined) return { status: { code: RpcCode.INTERNAL, message: 'the listentry instance has no value' }, validDurationMs: 0, validUseCount: 1 };
    let fetched = this.fetched?.matcher;
    if (this.url && this.fetched && Date.now() - this.fetched.at > this.ttlMs) fetched = undefined;
    if (this.url && !fetched) return { status: { code: RpcCode.UNAVAILABLE, message: `the list from ${this.url} is not available` }, validDurationMs: 1000, validUseCount: 1 };
    const listed = this.overrides(value) || (fetched?.(value) ?? false);
    const text = valueText(value);
    if (this.blacklist) return listed ? { status: { code: RpcCode.PERMISSION_DENIED, message: `${text} is blacklisted` }, ...validity } : { status: { code: 0 }, ...validity };
    return listed ? { status: { code: 0 }, ...validity } : { status: { code: RpcCode.NOT_FOUND, message: `${text} is not whitelisted` }, ...validity };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }
}
