/**
 * Istio's naming of generated resources, kept so that operators recognise them in config dumps:
 * clusters `outbound|<port>|<subset>|<host>` and `inbound|<port>||<host>`.
 */
export function outboundClusterName(host: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** The cluster a sidecar's inbound listener forwards to: its own application. */
export function inboundClusterName(host: string, port: number): string {
  return `inbound|${port}||${host}`;
}

/** Splits an outbound cluster name; undefined for any other shape. */
export function parseOutboundClusterName(name: string): { port: number; subset: string; host: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || parts[0] !== 'outbound') return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return { port, subset: parts[2] ?? '', host: parts[3] ?? '' };
}

/** Name of the outbound listener and the route configuration it uses (RDS). */
export const OUTBOUND_LISTENER = 'virtualOutbound';
export const INBOUND_LISTENER = 'virtualInbound';
/** Route configurations are named by service port, as Istio does (`80`, `8080`). */
export function outboundRouteName(port: number): string {
  return String(port);
}

/** Kubernetes-style FQDN of a service: `<name>.<namespace>.svc.<domain>`. */
export function serviceFqdn(name: string, namespace: string, domain = 'cluster.local'): string {
  return `${name}.${namespace}.svc.${domain}`;
}
