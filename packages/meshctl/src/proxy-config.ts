import { renderTable } from './output.js';

/** What `meshctl proxy-config` shows. */
export const PROXY_CONFIG_KINDS = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const;
export type ProxyConfigKind = (typeof PROXY_CONFIG_KINDS)[number];

/** Singular and short spellings, as istioctl takes them. */
export function proxyConfigKind(name: string): ProxyConfigKind | undefined {
  const n = name.toLowerCase();
  const alias: Record<string, ProxyConfigKind> = { listener: 'listeners', l: 'listeners', route: 'routes', r: 'routes', cluster: 'clusters', c: 'clusters', endpoint: 'endpoints', ep: 'endpoints', e: 'endpoints', secret: 'secrets', s: 'secrets' };
  return (PROXY_CONFIG_KINDS as readonly string[]).includes(n) ? (n as ProxyConfigKind) : alias[n];
}

/** The sidecar's `/config_dump`: the node it announced and, per xDS type, what it accepted. */
export interface SidecarConfigDump {
  node: { id: string; metadata?: Record<string, unknown>; pilot?: string };
  xds: Record<string, { version?: string; resources: Array<Record<string, unknown>>; lastNack?: unknown }>;
}

/** The sidecar's `/certs` (the certificate agent's state). */
export interface CertificateState {
  identity: string;
  serial?: string;
  notAfter?: string;
  secondsToExpiry?: number;
  rotations?: number;
  lastRotationAt?: string;
  nextRotationAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const wrapped = (v: unknown): unknown => (typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v);

/** One row per listener filter chain, like `istioctl proxy-config listeners`. */
export function listenerRows(dump: SidecarConfigDump): string[][] {
  const rows: string[][] = [];
  for (const l of dump.xds['Listener']?.resources ?? []) {
    const sa = obj(obj(l['address'])['socket_address']);
    for (const fc of arr(l['filter_chains']).map(obj)) {
      const match = obj(fc['filter_chain_match']);
      const port = wrapped(match['destination_port']);
      const filters = arr(fc['filters']).map(obj);
      const hcm = filters.find((f) => str(f['name']).includes('http_connection_manager'));
      const tcp = filters.find((f) => str(f['name']).includes('tcp_proxy'));
      const tc = obj((hcm ?? tcp)?.['typed_config']);
      const type = hcm ? 'HTTP' : tcp ? 'TCP' : str(filters[0]?.['name']) || '-';
      const destination = hcm ? (obj(tc['rds'])['route_config_name'] !== undefined ? `Route: ${str(obj(tc['rds'])['route_config_name'])}` : `Inline Route: ${str(obj(tc['route_config'])['name'])}`) : tcp ? `Cluster: ${str(tc['cluster'])}` : '-';
      rows.push([str(l['name']), str(sa['address']), str(sa['port_value']), port === undefined ? 'ALL' : str(port), type, destination]);
    }
  }
  return rows;
}

/** The destination of one route: a cluster, weighted clusters, a redirect or a direct response. */
function routeDestination(r: Obj): string {
  const route = obj(r['route']);
  if (route['cluster'] !== undefined) return str(route['cluster']);
  const weighted = arr(obj(route['weighted_clusters'])['clusters']).map(obj);
  if (weighted.length > 0) return weighted.map((c) => `${str(c['name'])} ${str(wrapped(c['weight']))}%`).join(', ');
  if (r['redirect'] !== undefined) return 'redirect';
  if (r['direct_response'] !== undefined) return `direct response ${str(obj(r['direct_response'])['status'])}`;
  return '-';
}

function routeMatch(m: Obj): string {
  if (m['prefix'] !== undefined) return `${str(m['prefix'])}*`;
  if (m['path'] !== undefined) return str(m['path']);
  const sr = obj(m['safe_regex']);
  if (sr['regex'] !== undefined) return `~${str(sr['regex'])}`;
  return '*';
}

/** One row per route of every route configuration (sent by RDS or inline in a listener). */
export function routeRows(dump: SidecarConfigDump): string[][] {
  const configs = [...(dump.xds['RouteConfiguration']?.resources ?? [])];
  for (const l of dump.xds['Listener']?.resources ?? []) {
    for (const fc of arr(l['filter_chains']).map(obj)) {
      for (const f of arr(fc['filters']).map(obj)) {
        const inline = obj(obj(f['typed_config'])['route_config']);
        if (inline['name'] !== undefined) configs.push(inline);
      }
    }
  }
  const rows: string[][] = [];
  for (const rc of configs) {
    for (const vh of arr(rc['virtual_hosts']).map(obj)) {
      const domains = arr(vh['domains']).map(str);
      const shown = domains.length > 2 ? `${domains[0]} + ${domains.length - 1} more` : domains.join(', ');
      for (const r of arr(vh['routes']).map(obj)) rows.push([str(rc['name']), str(vh['name']), shown, routeMatch(obj(r['match'])), routeDestination(r)]);
    }
  }
  return rows;
}

/** Clusters with Istio's name split into its parts: `direction|port|subset|fqdn`. */
export function clusterRows(dump: SidecarConfigDump): string[][] {
  return (dump.xds['Cluster']?.resources ?? []).map((c) => {
    const name = str(c['name']);
    const parts = name.split('|');
    const [direction, port, subset, host] = parts.length === 4 ? parts : ['-', '-', '-', name];
    return [host!, port!, subset || '-', direction!, str(c['type'])];
  });
}

/** Every endpoint of every ClusterLoadAssignment. */
export function endpointRows(dump: SidecarConfigDump): string[][] {
  const rows: string[][] = [];
  for (const cla of dump.xds['ClusterLoadAssignment']?.resources ?? []) {
    for (const locality of arr(cla['endpoints']).map(obj)) {
      for (const lb of arr(locality['lb_endpoints']).map(obj)) {
        const sa = obj(obj(obj(lb['endpoint'])['address'])['socket_address']);
        rows.push([`${str(sa['address'])}:${str(sa['port_value'])}`, str(lb['health_status'] ?? 'HEALTHY'), str(wrapped(lb['load_balancing_weight']) ?? '1'), str(cla['cluster_name'])]);
      }
    }
  }
  return rows;
}

/** The workload certificate, as `istioctl proxy-config secret` shows it. */
export function secretRows(certs: CertificateState | undefined, now = Date.now()): string[][] {
  if (!certs) return [];
  const valid = certs.notAfter !== undefined && Date.parse(certs.notAfter) > now;
  const state = certs.serial === undefined ? 'WARMING' : valid ? 'ACTIVE' : 'EXPIRED';
  return [['default', 'Cert Chain', state, String(valid), certs.serial ?? '-', certs.notAfter ?? '-', certs.identity]];
}

const HEADERS: Record<ProxyConfigKind, string[]> = {
  listeners: ['NAME', 'ADDRESS', 'PORT', 'MATCH PORT', 'TYPE', 'DESTINATION'],
  routes: ['NAME', 'VIRTUAL HOST', 'DOMAINS', 'MATCH', 'DESTINATION'],
  clusters: ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE'],
  endpoints: ['ENDPOINT', 'STATUS', 'WEIGHT', 'CLUSTER'],
  secrets: ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'IDENTITY'],
};

/** The rows of one kind. */
export function proxyConfigRows(kind: ProxyConfigKind, dump: SidecarConfigDump, certs?: CertificateState): string[][] {
  switch (kind) {
    case 'listeners':
      return listenerRows(dump);
    case 'routes':
      return routeRows(dump);
    case 'clusters':
      return clusterRows(dump);
    case 'endpoints':
      return endpointRows(dump);
    case 'secrets':
      return secretRows(certs);
  }
}

/** The table of one kind. */
export function formatProxyConfig(kind: ProxyConfigKind, dump: SidecarConfigDump, certs?: CertificateState): string {
  return renderTable(HEADERS[kind], proxyConfigRows(kind, dump, certs));
}

/** The raw data of one kind, for `-o json|yaml`: the resources as the sidecar holds them. */
export function proxyConfigData(kind: ProxyConfigKind, dump: SidecarConfigDump, certs?: CertificateState): unknown {
  const type = { listeners: 'Listener', routes: 'RouteConfiguration', clusters: 'Cluster', endpoints: 'ClusterLoadAssignment' } as const;
  if (kind === 'secrets') return certs ? [certs] : [];
  return dump.xds[type[kind]]?.resources ?? [];
}
