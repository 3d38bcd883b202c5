/**
 * Host names as Istio config writes them: short names resolved in the namespace of the object
 * that wrote them, wildcard matching, and `exportTo` visibility.
 */

/** `<name>.<namespace>.svc.<suffix>`. */
export function serviceHostname(name: string, namespace: string, domainSuffix: string): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}

/**
 * Resolves a host written in config in `namespace` to an FQDN, as Pilot does: a short name gets
 * the namespace and suffix; `name.ns` and `name.ns.svc` resolve when that service is known;
 * anything else (FQDNs, wildcards, external names) is taken as written.
 */
export function resolveHost(host: string, namespace: string, domainSuffix: string, isKnown: (fqdn: string) => boolean): string {
  if (host.startsWith('*')) return host;
  if (!host.includes('.')) return serviceHostname(host, namespace, domainSuffix);
  if (isKnown(host)) return host;
  const parts = host.split('.');
  if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc')) {
    const candidate = serviceHostname(parts[0]!, parts[1]!, domainSuffix);
    if (isKnown(candidate)) return candidate;
  }
  return host;
}

/** True when `pattern` (an exact host, `*.suffix`, or `*`) covers `host` (which may itself be a wildcard). */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host || pattern === '*') return true;
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1); // `.eu.bookinfo.com`
  return host.endsWith(suffix) && host.length > suffix.length;
}

/**
 * True when an object in `ownNamespace` with this `exportTo` is visible from `namespace`. Absent or
 * `*` exports everywhere, `.` only to its own namespace, a namespace name (newer Istio) to that one.
 */
export function isExportedTo(exportTo: unknown, ownNamespace: string, namespace: string): boolean {
  if (!Array.isArray(exportTo) || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' ? ownNamespace === namespace : e === namespace));
}

/** True when two objects' export sets share a namespace (so both apply there). */
export function exportsOverlap(a: { exportTo: unknown; namespace: string }, b: { exportTo: unknown; namespace: string }): boolean {
  const set = (x: { exportTo: unknown; namespace: string }): Set<string> | 'all' => {
    if (!Array.isArray(x.exportTo) || x.exportTo.length === 0 || x.exportTo.includes('*')) return 'all';
    return new Set(x.exportTo.map((e) => (e === '.' ? x.namespace : String(e))));
  };
  const sa = set(a);
  const sb = set(b);
  if (sa === 'all' || sb === 'all') return true;
  return [...sa].some((n) => sb.has(n));
}

/** Parses a `ns/name`, bare `name` or legacy `name.ns.svc.cluster.local` gateway reference. */
export function parseGatewayRef(ref: string, namespace: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  if (slash >= 0) return { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
  const dot = ref.indexOf('.');
  if (dot < 0) return { namespace, name: ref };
  const [name, ns] = ref.split('.');
  return { namespace: ns!, name: name! };
}
