import type { VirtualHostModel } from './model.js';

/**
 * Virtual host selection by the request's authority, in Envoy's order
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-virtualhost):
 * exact domain, then the longest suffix wildcard (`*.example.com`), then the longest prefix
 * wildcard (`example.*`), then `*`. Comparison is case-insensitive; a wildcard matches at least
 * one character. The authority is matched as sent, port included (Istio lists both forms).
 */
export class VirtualHostIndex {
  private readonly exact = new Map<string, VirtualHostModel>();
  private readonly suffixes: Array<[string, VirtualHostModel]> = [];
  private readonly prefixes: Array<[string, VirtualHostModel]> = [];
  private readonly fallback: VirtualHostModel | undefined;

  constructor(hosts: readonly VirtualHostModel[]) {
    let fallback: VirtualHostModel | undefined;
    for (const vh of hosts) {
      for (const raw of vh.domains) {
        const d = raw.toLowerCase();
        if (d === '*') fallback ??= vh;
        else if (d.startsWith('*')) this.suffixes.push([d.slice(1), vh]);
        else if (d.endsWith('*')) this.prefixes.push([d.slice(0, -1), vh]);
        else if (!this.exact.has(d)) this.exact.set(d, vh);
      }
    }
    this.fallback = fallback;
    // Longest wildcard first; sort is stable so equal lengths keep configuration order.
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** The virtual host for an authority, or undefined when none matches (Envoy: 404 NR). */
  find(authority: string): VirtualHostModel | undefined {
    const host = authority.toLowerCase();
    const exact = this.exact.get(host);
    if (exact) return exact;
    for (const [suffix, vh] of this.suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return vh;
    for (const [prefix, vh] of this.prefixes) if (host.length > prefix.length && host.startsWith(prefix)) return vh;
    return this.fallback;
  }
}
