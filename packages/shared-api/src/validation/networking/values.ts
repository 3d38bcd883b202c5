import type { SemanticContext } from '../semantic.js';
import type { Findings } from './findings.js';
import { isDns1123Label } from './names.js';

/**
 * Which generation of Istio's rules applies. Objects at v1alpha3 (the only version 1.4 served)
 * follow 1.4's rules. v1beta1 and v1 appeared later, so where today's Istio relaxed a 1.4 rule for
 * them (IPv6 addresses, exportTo namespace lists) they get today's; every other 1.4 rule still holds.
 */
export function isLegacyVersion(ctx: SemanticContext): boolean {
  return ctx.version === 'v1alpha3';
}

const UNIT_NANOS: Record<string, bigint> = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, µs: 1_000n, ns: 1n };

/** A duration as an exact fraction of nanoseconds: `num / den`; undefined if it does not parse. */
export function durationNanos(s: string): { num: bigint; den: bigint } | undefined {
  const parts = [...s.matchAll(/([0-9]*)(?:\.([0-9]*))?(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== s) return undefined;
  const fracLen = Math.max(...parts.map((p) => (p[2] ?? '').length));
  const den = 10n ** BigInt(fracLen);
  let num = 0n;
  for (const [, int = '', frac = '', unit] of parts) {
    if (int === '' && frac === '') return undefined;
    const scaled = BigInt(int || '0') * den + BigInt((frac || '0').padEnd(fracLen, '0') || '0');
    num += scaled * UNIT_NANOS[unit!]!;
  }
  return { num, den };
}

const MS = 1_000_000n;

/** Rule 12 (1.4's ValidateDuration): at least 1 ms and a whole number of milliseconds. */
export function checkDurationMs(s: string): string | undefined {
  const d = durationNanos(s);
  if (!d) return `"${s}" is not a duration such as "1s" or "250ms"`;
  if (d.num < d.den * MS) return `duration "${s}" must be at least 1ms`;
  if (d.num % (d.den * MS) !== 0n) return `duration "${s}" must be a whole number of milliseconds (Istio's precision is 1ms)`;
  return undefined;
}

/** Today's rule for durations that exist only in newer APIs: at least 1 ms. */
export function checkDurationAtLeastMs(s: string): string | undefined {
  const d = durationNanos(s);
  if (!d) return `"${s}" is not a duration such as "1s" or "250ms"`;
  return d.num < d.den * MS ? `duration "${s}" must be at least 1ms` : undefined;
}

/** Whether a duration is a whole number of seconds (CORS maxAge, rule 17). */
export function isWholeSeconds(s: string): boolean {
  const d = durationNanos(s);
  return d !== undefined && d.num % (d.den * 1_000_000_000n) === 0n;
}

/** Port numbers are 1-65535. */
export function checkPort(n: number): string | undefined {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : `port ${n} must be between 1 and 65535`;
}

/** The protocols Istio 1.4's protocol.Parse knows (case-insensitive); anything else is "Unsupported". */
const PROTOCOLS = ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY', 'MONGO', 'REDIS', 'MYSQL', 'TCP', 'TLS', 'UDP', 'THRIFT'];

/** The protocol in upper case if Istio knows it, else undefined. */
export function parseProtocol(p: string | undefined): string | undefined {
  const up = (p ?? '').toUpperCase();
  return PROTOCOLS.includes(up) ? up : undefined;
}

/** The message for an unknown protocol. */
export function unknownProtocol(p: string | undefined): string {
  return `invalid protocol "${p ?? ''}": use one of HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP, TLS (also HTTP_PROXY, UDP, THRIFT)`;
}

/** HTTP-family protocols (Istio's Instance.IsHTTP). */
export function isHttpProtocol(p: string | undefined): boolean {
  return ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes((p ?? '').toUpperCase());
}

/** TLS-family protocols (Istio's Instance.IsTLS). */
export function isTlsProtocol(p: string | undefined): boolean {
  return ['HTTPS', 'TLS'].includes((p ?? '').toUpperCase());
}

/** The status codes Go's http.StatusText names (1.4 accepts these as retryOn tokens). */
const HTTP_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402,
  403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429,
  431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Whether `s` is a known HTTP status code written in decimal. */
export function isHttpStatusCode(s: string): boolean {
  return /^[0-9]{3}$/.test(s) && HTTP_STATUS_CODES.has(Number(s));
}

/** Rule 20: exportTo. 1.4 (v1alpha3): at most one entry, `.` or `*`; later versions: a namespace list. */
export function checkExportTo(f: Findings, path: string, exportTo: readonly string[] | undefined, ctx: SemanticContext): void {
  if (!exportTo || exportTo.length === 0) return;
  if (isLegacyVersion(ctx)) {
    if (exportTo.length > 1) {
      f.error(path, `exportTo takes at most one entry at ${ctx.version}, "." (this namespace) or "*" (all); use networking.istio.io/v1 for a list of namespaces`);
      return;
    }
    if (exportTo[0] !== '.' && exportTo[0] !== '*') {
      f.error(`${path}[0]`, `only "." (this namespace) or "*" (all namespaces) is allowed in exportTo at ${ctx.version}; use networking.istio.io/v1 to export to named namespaces`);
    }
    return;
  }
  const seen = new Set<string>();
  for (const [i, ns] of exportTo.entries()) {
    if (ns !== '.' && ns !== '*' && ns !== '~' && !isDns1123Label(ns)) {
      f.error(`${path}[${i}]`, `"${ns}" is not ".", "*", "~" or a namespace name (a DNS-1123 label)`);
    }
    if (seen.has(ns)) f.error(`${path}[${i}]`, `duplicate exportTo entry "${ns}"`);
    seen.add(ns);
  }
  if (exportTo.length > 1 && (seen.has('*') || seen.has('~'))) {
    f.error(path, 'exportTo "*" (all namespaces) or "~" (none) cannot be combined with other entries');
  }
}
