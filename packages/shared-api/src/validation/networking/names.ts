/**
 * Host names, labels, IPs and CIDRs as Istio validates them (pkg/config/validation, 1.4). Each
 * check returns undefined when valid, else the reason in words a user can act on.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Istio's host labels also allow upper case (hosts are case-insensitive). */
const HOST_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
/** Istio's wildcard first label: `*`, or `*` glued to a label (`*foo`, `*-foo`). */
const WILDCARD_LABEL = /^\*([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?|-[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes DNS-1123 label: lower case alphanumerics and '-', at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Kubernetes DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => DNS1123_LABEL.test(l));
}

function dnsPreconditions(host: string): string | undefined {
  if (host.length === 0) return 'must not be empty';
  if (host.length > 255) return `"${host}" is longer than 255 characters`;
  return undefined;
}

function checkLabels(host: string, labels: string[]): string | undefined {
  for (const [i, l] of labels.entries()) {
    if (l.length > 63 || !HOST_LABEL.test(l)) {
      return `"${host}" is not a valid DNS name: label "${l}" must be 1-63 letters, digits or '-', starting and ending with a letter or digit`;
    }
    if (i === labels.length - 1 && /^[0-9]+$/.test(l)) return `"${host}" is not a valid DNS name: the top-level domain "${l}" cannot be all digits`;
  }
  return undefined;
}

/** A DNS name with no wildcard (Istio's ValidateFQDN; a single label counts). */
export function checkFqdn(host: string): string | undefined {
  return dnsPreconditions(host) ?? checkLabels(host, host.split('.'));
}

/** A DNS name whose first label may be a wildcard (`*.foo.com`, `*`, `*foo.com`); Istio's ValidateWildcardDomain. */
export function checkWildcardDomain(host: string): string | undefined {
  const pre = dnsPreconditions(host);
  if (pre) return pre;
  const [first, ...rest] = host.split('.');
  if (first!.includes('*')) {
    if (!WILDCARD_LABEL.test(first!)) return `"${host}" is not a valid host: a wildcard '*' is allowed only at the start of the first label (as in *.example.com)`;
    if (rest.some((l) => l.includes('*'))) return `"${host}" is not a valid host: a wildcard '*' is allowed only in the first label`;
    return rest.length === 0 ? undefined : checkLabels(host, rest);
  }
  if (rest.some((l) => l.includes('*'))) return `"${host}" is not a valid host: a wildcard '*' is allowed only in the first label`;
  return checkLabels(host, host.split('.'));
}

/** A dotted-quad IPv4 address. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  // Go's net.ParseIP rejects leading zeros (they read as octal elsewhere).
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** An IPv6 address (with an optional embedded IPv4 tail); Go's net.ParseIP rules, no zone. */
export function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  let body = s;
  let groupsForV4 = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    body = s.slice(0, lastColon + 1) + '0';
    groupsForV4 = 1;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const group = /^[0-9A-Fa-f]{1,4}$/;
  const parse = (h: string): string[] | undefined => (h === '' ? [] : h.split(':').every((g) => group.test(g)) ? h.split(':') : undefined);
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return false;
  const count = head.length + tail.length + groupsForV4;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** An IPv4 or IPv6 address. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** `a.b.c.d/n` or an IPv6 CIDR; `ipv4Only` limits to IPv4 (1.4's rule). Returns the reason it is not. */
export function checkCidr(s: string, ipv4Only: boolean): string | undefined {
  const [ip, bits, extra] = s.split('/');
  if (extra !== undefined || bits === undefined || !/^[0-9]{1,3}$/.test(bits)) return `"${s}" is not a valid CIDR block (address/prefix-length)`;
  if (isIPv4(ip!)) return Number(bits) <= 32 ? undefined : `"${s}" is not a valid CIDR block: an IPv4 prefix length is at most 32`;
  if (isIPv6(ip!)) {
    if (ipv4Only) return `"${s}" is not an IPv4 CIDR block (this version accepts IPv4 only)`;
    return Number(bits) <= 128 ? undefined : `"${s}" is not a valid CIDR block: an IPv6 prefix length is at most 128`;
  }
  return `"${s}" is not a valid CIDR block (address/prefix-length)`;
}

/** An address or a CIDR block (Istio's ValidateIPv4Subnet, or its IPv6-capable successor). */
export function checkSubnet(s: string, ipv4Only: boolean): string | undefined {
  if (s.includes('/')) return checkCidr(s, ipv4Only);
  if (isIPv4(s)) return undefined;
  if (isIPv6(s)) return ipv4Only ? `"${s}" is not an IPv4 address (this version accepts IPv4 only)` : undefined;
  return `"${s}" is not a valid IP address or CIDR block`;
}

/** A Kubernetes label key (`[prefix/]name`) and value, as Istio's labels.Instance.Validate checks them. */
export function checkLabel(k: string, v: string): string | undefined {
  const parts = k.split('/');
  const name = parts[parts.length - 1]!;
  if (parts.length > 2 || (parts.length === 2 && !isDns1123Subdomain(parts[0]!)) || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `invalid label key "${k}": use [prefix/]name, where name is letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  if (!LABEL_VALUE.test(v)) return `invalid label value "${v}" for "${k}": use letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  return undefined;
}

/**
 * Whether two hosts overlap (Istio's host.Name.Matches): equal, or one wildcard covers the other
 * (`*.foo.com` and `a.foo.com`, `*.foo.com` and `*.com`).
 */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Whether host `a` is within host `b` (Istio's host.Name.SubsetOf). */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw) return bw && a.slice(1).endsWith(b.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}
