import type {
  ClientTlsSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  LocalityLoadBalancerSetting,
  OutlierDetection,
  TrafficPolicy,
} from '../../config/networking.js';
import { enumName } from '../../schemas/networking/common.js';
import type { Findings } from './findings.js';
import { key } from './findings.js';
import { checkDurationAtLeastMs, checkDurationMs, checkPort } from './values.js';

/** Rule 23: a traffic policy that is present must set at least one field; then its parts. */
export function checkTrafficPolicy(f: Findings, path: string, p: TrafficPolicy | undefined): void {
  if (!p) return;
  if (Object.keys(p).length === 0) f.error(path, 'trafficPolicy must set at least one field (or be removed)');
  checkPolicyParts(f, path, p);
  for (const [i, pls] of (p.portLevelSettings ?? []).entries()) {
    const at = `${path}.portLevelSettings[${i}]`;
    if (pls.port?.number === undefined) f.error(`${at}.port`, 'a port-level traffic policy needs port.number');
    if (!pls.loadBalancer && !pls.connectionPool && !pls.outlierDetection && !pls.tls) {
      f.error(at, 'a port-level traffic policy must set at least one of loadBalancer, connectionPool, outlierDetection or tls');
    }
    checkPolicyParts(f, at, pls);
  }
  if (p.tunnel) {
    const { protocol, targetPort } = p.tunnel;
    if (protocol !== undefined && protocol !== 'CONNECT' && protocol !== 'POST') f.error(`${path}.tunnel.protocol`, `tunnel protocol "${protocol}" must be CONNECT or POST`);
    f.error(`${path}.tunnel.targetPort`, checkPort(targetPort));
  }
}

type PolicyParts = Pick<TrafficPolicy, 'loadBalancer' | 'connectionPool' | 'outlierDetection' | 'tls'>;

function checkPolicyParts(f: Findings, path: string, p: PolicyParts): void {
  if (p.connectionPool) checkConnectionPool(f, `${path}.connectionPool`, p.connectionPool);
  if (p.outlierDetection) checkOutlierDetection(f, `${path}.outlierDetection`, p.outlierDetection);
  if (p.loadBalancer) checkLoadBalancer(f, `${path}.loadBalancer`, p.loadBalancer);
  if (p.tls) checkClientTls(f, `${path}.tls`, p.tls);
}

/** Rules 12, 23: connectionPool sets http or tcp; limits are >= 0; durations >= 1ms. */
export function checkConnectionPool(f: Findings, path: string, cp: ConnectionPoolSettings): void {
  if (!cp.http && !cp.tcp) f.error(path, 'connectionPool must set http or tcp');
  const nonNegative = (at: string, v: number | undefined): void => {
    if (v !== undefined && v < 0) f.error(at, `must be >= 0 (it is ${v})`);
  };
  if (cp.http) {
    const h = cp.http;
    for (const k of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams'] as const) nonNegative(`${path}.http.${k}`, h[k]);
    if (h.idleTimeout !== undefined) f.error(`${path}.http.idleTimeout`, checkDurationMs(h.idleTimeout));
    for (const k of ['interval', 'timeout'] as const) {
      const d = h.http2KeepAlive?.[k];
      if (d !== undefined) f.error(`${path}.http.http2KeepAlive.${k}`, checkDurationAtLeastMs(d));
    }
  }
  if (cp.tcp) {
    const t = cp.tcp;
    nonNegative(`${path}.tcp.maxConnections`, t.maxConnections);
    if (t.connectTimeout !== undefined) f.error(`${path}.tcp.connectTimeout`, checkDurationMs(t.connectTimeout));
    if (t.maxConnectionDuration !== undefined) f.error(`${path}.tcp.maxConnectionDuration`, checkDurationAtLeastMs(t.maxConnectionDuration));
    for (const k of ['time', 'interval'] as const) {
      const d = t.tcpKeepalive?.[k];
      if (d !== undefined) f.error(`${path}.tcp.tcpKeepalive.${k}`, checkDurationAtLeastMs(d));
    }
  }
}

/** Rules 12, 24: outlier detection. */
function checkOutlierDetection(f: Findings, path: string, od: OutlierDetection): void {
  if (od.consecutiveErrors !== undefined) {
    if (od.consecutiveErrors < 0) f.error(`${path}.consecutiveErrors`, 'consecutiveErrors cannot be negative');
    f.warn(`${path}.consecutiveErrors`, 'deprecated: use consecutive5xxErrors (or consecutiveGatewayErrors)');
  }
  for (const k of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    const v = od[k];
    if (v !== undefined && (v < 0 || v > 100)) f.error(`${path}.${k}`, `${k} ${v} must be within 0-100`);
  }
  for (const k of ['baseEjectionTime', 'interval'] as const) {
    const v = od[k];
    if (v !== undefined) f.error(`${path}.${k}`, checkDurationMs(v));
  }
}

/** Whether `n` is prime (maglev table sizes must be). */
function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Rules 25, 28 (and the `oneof`s of LoadBalancerSettings). */
function checkLoadBalancer(f: Findings, path: string, lb: LoadBalancerSettings): void {
  if (lb.simple !== undefined && lb.consistentHash) f.error(path, 'set only one of simple and consistentHash');
  const ch = lb.consistentHash;
  if (ch) {
    const at = `${path}.consistentHash`;
    const keys = (['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const).filter((k) => ch[k] !== undefined);
    if (keys.length > 1) f.error(at, `set only one hash key; found ${keys.join(', ')}`);
    if (ch.httpCookie) {
      if (!ch.httpCookie.name) f.error(`${at}.httpCookie.name`, 'a cookie hash needs the cookie name');
      if (ch.httpCookie.ttl === undefined) f.error(`${at}.httpCookie.ttl`, 'a cookie hash needs a ttl (Istio 1.4 rule; "0s" makes a session cookie)');
    }
    if (ch.ringHash && ch.maglev) f.error(at, 'set only one of ringHash and maglev');
    if (ch.minimumRingSize !== undefined) {
      if (ch.ringHash || ch.maglev) f.error(`${at}.minimumRingSize`, 'minimumRingSize is deprecated and cannot be combined with ringHash or maglev: use ringHash.minimumRingSize');
      else f.warn(`${at}.minimumRingSize`, 'deprecated: use ringHash.minimumRingSize');
    }
    const table = ch.maglev?.tableSize;
    if (table !== undefined && (!isPrime(table) || table >= 5000011)) f.error(`${at}.maglev.tableSize`, `tableSize ${table} must be a prime number below 5000011`);
  }
  if (lb.localityLbSetting) checkLocalityLb(f, `${path}.localityLbSetting`, lb.localityLbSetting);
  if (lb.warmupDurationSecs !== undefined) {
    f.error(`${path}.warmupDurationSecs`, checkDurationAtLeastMs(lb.warmupDurationSecs));
    f.warn(`${path}.warmupDurationSecs`, 'deprecated: use warmup.duration');
  }
  if (lb.warmup) f.error(`${path}.warmup.duration`, checkDurationAtLeastMs(lb.warmup.duration));
}

/** Rule 26: MUTUAL client TLS from files needs a client certificate and private key. */
function checkClientTls(f: Findings, path: string, tls: ClientTlsSettings): void {
  if (enumName(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'], tls.mode) !== 'MUTUAL' || tls.credentialName) return;
  if (!tls.clientCertificate) f.error(`${path}.clientCertificate`, 'MUTUAL TLS needs clientCertificate (or credentialName)');
  if (!tls.privateKey) f.error(`${path}.privateKey`, 'MUTUAL TLS needs privateKey (or credentialName)');
}

/** Rule 28: locality load balancing. */
export function checkLocalityLb(f: Findings, path: string, lb: LocalityLoadBalancerSetting): void {
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  if (distribute.length > 0 && failover.length > 0) f.error(path, 'distribute and failover cannot both be set');
  if (distribute.length > 0 && (lb.failoverPriority?.length ?? 0) > 0) f.error(path, 'distribute and failoverPriority cannot both be set');
  for (const [i, d] of distribute.entries()) {
    const at = `${path}.distribute[${i}]`;
    let total = 0;
    for (const [loc, w] of Object.entries(d.to ?? {})) {
      if (w < 1) f.error(key(`${at}.to`, loc), `locality weight ${w} must be at least 1`);
      total += w;
    }
    if (total !== 100) f.error(`${at}.to`, `the locality weights must total 100 (they total ${total})`);
    checkLocalities(f, `${at}.to`, Object.keys(d.to ?? {}));
  }
  checkLocalities(f, `${path}.distribute`, distribute.map((d) => d.from ?? ''));
  for (const [i, fo] of failover.entries()) {
    if ((fo.from ?? '') === (fo.to ?? '')) f.error(`${path}.failover[${i}]`, 'failover from and to must be different regions');
    if (fo.to?.includes('*')) f.error(`${path}.failover[${i}].to`, 'failover to cannot contain the wildcard "*"');
  }
}

/** Rule 28: localities are region[/zone[/subzone]], a wildcard only as one trailing `*`, and they must not overlap. */
function checkLocalities(f: Findings, path: string, localities: readonly string[]): void {
  const seen: string[][] = [];
  for (const loc of localities) {
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) {
      f.error(path, `locality "${loc}": a wildcard "*" may appear once, at the end`);
      continue;
    }
    const parts = loc.split('/', 3);
    if (parts.some((p) => p === '')) {
      f.error(path, `locality "${loc}" has an empty region, zone or subzone`);
      continue;
    }
    const overlaps = seen.some((s) => {
      for (let i = 0; i < Math.min(s.length, parts.length); i++) {
        if (s[i] === '*' || parts[i] === '*') return true;
        if (s[i] !== parts[i]) return false;
      }
      return true;
    });
    if (overlaps) f.error(path, `locality "${loc}" overlaps one listed before it`);
    seen.push(parts);
  }
}
