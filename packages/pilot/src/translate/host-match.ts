/**
 * Istio's host name matching (`host.Name.Matches` / `SubsetOf`): `*` matches every host,
 * `*.example.com` matches hosts ending in `.example.com` (and narrower wildcards); other hosts match
 * only themselves.
 */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1);
  if (host.startsWith('*')) return host.slice(1).endsWith(suffix);
  return host.endsWith(suffix);
}

/** True when two host patterns can match a common host (either contains the other). */
export function hostsOverlap(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

/**
 * Istio's `MostSpecificHostMatch`: the exact entry for `host` if present, else the longest wildcard
 * that matches it; undefined when nothing matches.
 */
export function mostSpecificHostMatch<T>(host: string, byHost: ReadonlyMap<string, T>): T | undefined {
  const exact = byHost.get(host);
  if (exact !== undefined) return exact;
  let best: { len: number; value: T } | undefined;
  for (const [pattern, value] of byHost) {
    if (!pattern.startsWith('*') || !hostMatches(pattern, host)) continue;
    if (!best || pattern.length > best.len) best = { len: pattern.length, value };
  }
  return best?.value;
}

/** `*` matches every host; `*.example.com` matches hosts ending in `.example.com`. */
export function wildcardMatches(pattern: string, host: string): boolean {
  return hostMatches(pattern, host);
}

/**
 * Whether an object exported to `exportTo` is visible from `namespace` (Istio 1.4: `*` public,
 * `.` private to the object's own namespace; later releases also list namespaces). Default public.
 */
export function exportedTo(exportTo: readonly string[] | undefined, ownNamespace: string, namespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' && ownNamespace === namespace) || e === namespace);
}
