import type { GatewayServer, GatewaySpec, ServerTlsSettings } from '../../config/networking.js';
import { enumName } from '../../schemas/networking/common.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings } from './findings.js';
import { checkLabels } from './destination.js';
import { checkWildcardDomain, isDns1123Label, isIP } from './names.js';
import { checkPort, isHttpProtocol, isTlsProtocol, parseProtocol, unknownProtocol } from './values.js';

const SERVER_TLS_MODES = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'];

/** Gateway: rules 29-33 of VALIDATION-RULES.md. */
export function validateGateway(raw: Record<string, unknown>, ctx: SemanticContext): SemanticFindings {
  const spec = raw as GatewaySpec;
  const f = new Findings();
  // Rule 29: the name is a DNS-1123 label; at least one server.
  if (!isDns1123Label(ctx.name)) f.error('metadata.name', `gateway name "${ctx.name}" must be a DNS-1123 label (no dots), because routes refer to it as namespace/name`);
  const servers = spec.servers ?? [];
  if (servers.length === 0) f.error('spec.servers', 'a Gateway needs at least one server');
  const portNames = new Map<string, number>();
  for (const [i, s] of servers.entries()) {
    checkServer(f, `spec.servers[${i}]`, s);
    // Rule 31: port names are unique across servers.
    const name = s.port?.name;
    if (name === undefined) continue;
    const first = portNames.get(name);
    if (first !== undefined) f.error(`spec.servers[${i}].port.name`, `port name "${name}" is already used by spec.servers[${first}]: port names must be unique`);
    else portNames.set(name, i);
  }
  checkLabels(f, 'spec.selector', spec.selector);
  return f.result();
}

/** Rule 30: `ns/dnsName` (ns is `*`, `.` or a DNS-1123 label) or a legacy bare host; FQDNs or `*`; IPs allowed. */
export function checkGatewayHost(host: string): string | undefined {
  const slash = host.indexOf('/');
  let name = host;
  if (slash >= 0) {
    const ns = host.slice(0, slash);
    name = host.slice(slash + 1);
    if (!ns || !name) return `host "${host}" must be namespace/dnsName with neither part empty`;
    if (ns !== '*' && ns !== '.' && !isDns1123Label(ns)) return `invalid namespace "${ns}" in host "${host}": use "*", "." or a namespace name`;
  }
  if (isIP(name)) return undefined;
  if (name !== '*' && !name.includes('.')) return `host "${host}" must be a fully-qualified domain name (short names are not allowed) or "*"`;
  return checkWildcardDomain(name);
}

function checkServer(f: Findings, path: string, s: GatewayServer): void {
  // Rule 29: at least one host; rule 30: each host's form.
  if (!s.hosts?.length) f.error(`${path}.hosts`, 'a server needs at least one host');
  for (const [j, h] of (s.hosts ?? []).entries()) f.error(`${path}.hosts[${j}]`, checkGatewayHost(h));
  // Rule 31: port (with a name and a known protocol).
  const port = s.port;
  if (!port) {
    f.error(`${path}.port`, 'a server needs a port (number, name and protocol)');
  } else {
    if (port.number === undefined) f.error(`${path}.port.number`, 'a server port needs a number');
    else f.error(`${path}.port.number`, checkPort(port.number));
    if (!port.name) f.error(`${path}.port.name`, 'a server port needs a name');
    if (!parseProtocol(port.protocol)) f.error(`${path}.port.protocol`, unknownProtocol(port.protocol));
  }
  if (s.bind !== undefined && s.bind !== '' && !isIP(s.bind) && !s.bind.startsWith('unix://')) {
    f.error(`${path}.bind`, `bind "${s.bind}" must be an IP address or a unix:// socket path`);
  }
  if (s.tls) checkServerTls(f, `${path}.tls`, s.tls);
  // Rule 32: HTTPS/TLS ports need tls; plain HTTP may carry only httpsRedirect; other ports no tls.
  if (!port || !parseProtocol(port.protocol)) return;
  if (isTlsProtocol(port.protocol)) {
    if (!s.tls) f.error(`${path}.tls`, `a ${port.protocol} server needs a tls block`);
  } else if (s.tls) {
    if (isHttpProtocol(port.protocol)) {
      const mode = enumName(SERVER_TLS_MODES, s.tls.mode);
      const extra = Object.keys(s.tls).filter((k) => k !== 'httpsRedirect' && !(k === 'mode' && mode === 'PASSTHROUGH'));
      if (extra.length > 0) f.error(`${path}.tls`, `a plain ${port.protocol} server may only set tls.httpsRedirect; remove ${extra.join(', ')} (or use protocol HTTPS)`);
    } else {
      f.error(`${path}.tls`, `a ${port.protocol} server cannot have tls settings: use protocol TLS or HTTPS`);
    }
  }
}

/** Rule 33: certificates per TLS mode (shared by Gateway servers and Sidecar ingress listeners). */
export function checkServerTls(f: Findings, path: string, tls: ServerTlsSettings): void {
  const mode = enumName(SERVER_TLS_MODES, tls.mode) ?? 'PASSTHROUGH';
  if (mode === 'ISTIO_MUTUAL') {
    for (const k of ['serverCertificate', 'privateKey', 'caCertificates'] as const) {
      if (tls[k]) f.error(`${path}.${k}`, `ISTIO_MUTUAL uses the mesh's certificates: remove ${k}`);
    }
    return;
  }
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') return;
  // credentialName(s) or tlsCertificates (newer fields) fetch or list the certificates instead.
  if (tls.credentialName || tls.credentialNames?.length || tls.tlsCertificates?.length) return;
  if (!tls.serverCertificate) f.error(`${path}.serverCertificate`, `${mode} TLS needs serverCertificate (or credentialName)`);
  if (!tls.privateKey) f.error(`${path}.privateKey`, `${mode} TLS needs privateKey (or credentialName)`);
  if (mode !== 'SIMPLE' && !tls.caCertificates) f.error(`${path}.caCertificates`, `${mode} TLS needs caCertificates, the bundle that verifies clients (or credentialName)`);
}
