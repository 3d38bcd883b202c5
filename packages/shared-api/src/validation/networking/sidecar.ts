import type { SidecarEgressListener, SidecarIngressListener, SidecarSpec } from '../../config/networking.js';
import { enumName } from '../../schemas/networking/common.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings } from './findings.js';
import { checkDestination, checkLabels } from './destination.js';
import { checkServerTls } from './gateway.js';
import { checkWildcardDomain, isDns1123Label, isIP } from './names.js';
import { checkConnectionPool } from './traffic-policy.js';
import { checkPort, parseProtocol, unknownProtocol } from './values.js';

type Port = NonNullable<SidecarEgressListener['port']>;

/** Sidecar: rule 38 of VALIDATION-RULES.md. */
export function validateSidecar(raw: Record<string, unknown>, _ctx: SemanticContext): SemanticFindings {
  const spec = raw as SidecarSpec;
  const f = new Findings();
  if (spec.workloadSelector && Object.keys(spec.workloadSelector.labels ?? {}).length === 0) {
    f.error('spec.workloadSelector.labels', 'workloadSelector needs labels (omit workloadSelector to apply to the whole namespace)');
  }
  checkLabels(f, 'spec.workloadSelector.labels', spec.workloadSelector?.labels);
  const ingressPorts = new Set<number>();
  for (const [i, l] of (spec.ingress ?? []).entries()) checkIngress(f, `spec.ingress[${i}]`, l, ingressPorts);
  const egress = spec.egress ?? [];
  if (egress.length === 0) f.error('spec.egress', 'a Sidecar needs at least one egress listener (for example hosts: ["./*", "istio-system/*"])');
  const egressPorts = new Set<number>();
  const sockets = new Set<string>();
  let catchAll = false;
  for (const [i, l] of egress.entries()) {
    const at = `spec.egress[${i}]`;
    if (!l.port) {
      // At most one port-less (catch-all) listener, and it must be the last.
      if (catchAll) f.error(at, 'only one egress listener may omit port (the catch-all)');
      else if (i !== egress.length - 1) f.error(at, 'the egress listener without a port (the catch-all) must be the last one');
      catchAll = true;
    } else {
      checkListenerPort(f, at, l.port, l.bind);
      const unix = l.bind?.startsWith('unix://');
      if (unix && sockets.has(l.bind!)) f.error(`${at}.bind`, `unix socket "${l.bind}" is used by another listener`);
      if (unix) sockets.add(l.bind!);
      if (!unix && l.port.number !== undefined) {
        if (egressPorts.has(l.port.number)) f.error(`${at}.port.number`, `port ${l.port.number} is used by another egress listener`);
        egressPorts.add(l.port.number);
      }
    }
    if (!l.hosts?.length) f.error(`${at}.hosts`, 'an egress listener needs at least one host (namespace/dnsName)');
    for (const [j, h] of (l.hosts ?? []).entries()) f.error(`${at}.hosts[${j}]`, checkSidecarHost(h));
  }
  const otp = spec.outboundTrafficPolicy;
  if (otp?.egressProxy) {
    if (enumName(['REGISTRY_ONLY', 'ALLOW_ANY'], otp.mode) !== 'ALLOW_ANY') f.error('spec.outboundTrafficPolicy.egressProxy', 'egressProxy needs mode ALLOW_ANY');
    checkDestination(f, 'spec.outboundTrafficPolicy.egressProxy', otp.egressProxy);
    if (otp.egressProxy.port?.number === undefined) f.error('spec.outboundTrafficPolicy.egressProxy.port', 'egressProxy needs a port');
  }
  if (spec.inboundConnectionPool) checkConnectionPool(f, 'spec.inboundConnectionPool', spec.inboundConnectionPool);
  return f.result();
}

/** Egress hosts are `namespace/dnsName`, namespace `*`, `.`, `~` or a DNS-1123 label; dnsName an FQDN or `*`. */
export function checkSidecarHost(host: string): string | undefined {
  const slash = host.indexOf('/');
  if (slash < 0) return `host "${host}" must be namespace/dnsName (for example "./*" or "istio-system/*")`;
  const ns = host.slice(0, slash);
  const name = host.slice(slash + 1);
  if (!ns || !name) return `host "${host}" must be namespace/dnsName with neither part empty`;
  if (ns !== '*' && ns !== '.' && ns !== '~' && !isDns1123Label(ns)) return `invalid namespace "${ns}" in host "${host}": use "*", ".", "~" or a namespace name`;
  if (name !== '*' && !name.includes('.')) return `host "${host}" must name a fully-qualified domain (short names are not allowed) or "*"`;
  return checkWildcardDomain(name);
}

function checkListenerPort(f: Findings, at: string, port: Port, bind: string | undefined): void {
  if (bind?.startsWith('unix://')) {
    if (port.number !== undefined && port.number !== 0) f.error(`${at}.port.number`, 'a listener bound to a unix socket must have port number 0');
    if (bind.length <= 'unix://'.length) f.error(`${at}.bind`, 'a unix:// bind needs a socket path');
  } else {
    if (bind && !isIP(bind)) f.error(`${at}.bind`, `bind "${bind}" must be an IP address or a unix:// socket path`);
    f.error(`${at}.port.number`, port.number === undefined ? 'a listener port needs a number' : checkPort(port.number));
  }
  if (!port.name || !isDns1123Label(port.name)) f.error(`${at}.port.name`, `port name "${port.name ?? ''}" must be a DNS-1123 label (lower case letters, digits and '-')`);
  if (!parseProtocol(port.protocol)) f.error(`${at}.port.protocol`, unknownProtocol(port.protocol));
}

/** Each ingress listener needs a port and a defaultEndpoint `127.0.0.1:port`, `:port` or `unix://path`. */
function checkIngress(f: Findings, at: string, l: SidecarIngressListener, ports: Set<number>): void {
  if (!l.port) {
    f.error(`${at}.port`, 'an ingress listener needs a port');
  } else {
    checkListenerPort(f, at, l.port, l.bind);
    if (l.port.number !== undefined) {
      if (ports.has(l.port.number)) f.error(`${at}.port.number`, `port ${l.port.number} is used by another ingress listener`);
      ports.add(l.port.number);
    }
  }
  const ep = l.defaultEndpoint;
  if (!ep) f.error(`${at}.defaultEndpoint`, 'an ingress listener needs a defaultEndpoint (127.0.0.1:<port>, :<port> or unix://<path>)');
  else if (ep.startsWith('unix://')) {
    if (ep.length <= 'unix://'.length) f.error(`${at}.defaultEndpoint`, 'a unix:// defaultEndpoint needs a socket path');
  } else {
    const colon = ep.lastIndexOf(':');
    const host = colon < 0 ? undefined : ep.slice(0, colon);
    const port = colon < 0 ? '' : ep.slice(colon + 1);
    if (host === undefined || (host !== '' && host !== '127.0.0.1')) {
      f.error(`${at}.defaultEndpoint`, `defaultEndpoint "${ep}" must be 127.0.0.1:<port>, :<port> or unix://<path>`);
    } else if (!/^[0-9]+$/.test(port)) {
      f.error(`${at}.defaultEndpoint`, `defaultEndpoint port "${port}" is not a number`);
    } else f.error(`${at}.defaultEndpoint`, checkPort(Number(port)));
  }
  if (l.tls) checkServerTls(f, `${at}.tls`, l.tls);
  if (l.connectionPool) checkConnectionPool(f, `${at}.connectionPool`, l.connectionPool);
}
