import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../config/networking.js';
import { enumName } from '../../schemas/networking/common.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings, key } from './findings.js';
import { checkLabels } from './destination.js';
import { checkFqdn, checkSubnet, checkWildcardDomain, isDns1123Label, isIP, isIPv4 } from './names.js';
import { checkExportTo, checkPort, isHttpProtocol, isLegacyVersion, isTlsProtocol, parseProtocol, unknownProtocol } from './values.js';

const RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];

/** ServiceEntry: rules 34-37 of VALIDATION-RULES.md (and today's rules for its newer fields). */
export function validateServiceEntry(raw: Record<string, unknown>, ctx: SemanticContext): SemanticFindings {
  const spec = raw as ServiceEntrySpec;
  const f = new Findings();
  const legacy = isLegacyVersion(ctx);
  const resolution = enumName(RESOLUTIONS, spec.resolution) ?? 'NONE';
  // Rule 34: hosts.
  if (spec.hosts.length === 0) f.error('spec.hosts', 'a ServiceEntry needs at least one host');
  for (const [i, h] of spec.hosts.entries()) {
    if (h === '*') f.error(`spec.hosts[${i}]`, 'the host "*" is not allowed in a ServiceEntry: name the hosts (a wildcard prefix such as *.example.com is allowed)');
    else f.error(`spec.hosts[${i}]`, checkWildcardDomain(h));
  }
  // Rule 34: addresses are IPs or CIDRs (IPv4 only at v1alpha3); CIDRs only with NONE or STATIC.
  let cidr = false;
  for (const [i, a] of (spec.addresses ?? []).entries()) {
    cidr ||= a.includes('/');
    f.error(`spec.addresses[${i}]`, checkSubnet(a, legacy));
  }
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') f.error('spec.addresses', `CIDR addresses are allowed only with resolution NONE or STATIC (it is ${resolution})`);
  // Rule 35: ports.
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const [i, p] of (spec.ports ?? []).entries()) {
    const at = `spec.ports[${i}]`;
    if (p.name !== undefined && names.has(p.name)) f.error(`${at}.name`, `port name "${p.name}" is already defined: port names must be unique`);
    if (p.number !== undefined && numbers.has(p.number)) f.error(`${at}.number`, `port number ${p.number} is already defined: port numbers must be unique`);
    if (p.name !== undefined) names.add(p.name);
    if (p.number !== undefined) numbers.add(p.number);
    if (!p.name || !isDns1123Label(p.name)) f.error(`${at}.name`, `port name "${p.name ?? ''}" must be a DNS-1123 label (lower case letters, digits and '-')`);
    if (p.protocol !== undefined && p.protocol !== '' && !parseProtocol(p.protocol)) f.error(`${at}.protocol`, unknownProtocol(p.protocol));
    f.error(`${at}.number`, p.number === undefined ? 'a port needs a number' : checkPort(p.number));
    if (p.targetPort !== undefined) f.error(`${at}.targetPort`, checkPort(p.targetPort));
  }
  checkEndpoints(f, spec, resolution, names, legacy);
  // Rule 37: several hosts need HTTP or TLS ports unless resolution is NONE (plain TCP cannot tell hosts apart).
  if (resolution !== 'NONE' && spec.hosts.length > 1) {
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (!isHttpProtocol(p.protocol) && !isTlsProtocol(p.protocol)) {
        f.error(`spec.ports[${i}].protocol`, `a ServiceEntry with several hosts and resolution ${resolution} needs HTTP or TLS ports (${p.protocol || 'no protocol'} cannot tell the hosts apart)`);
      }
    }
  }
  // Today's rules for workloadSelector (a newer field).
  if (spec.workloadSelector) {
    if (spec.endpoints?.length) f.error('spec.workloadSelector', 'only one of workloadSelector or endpoints can be set');
    const labels = Object.entries(spec.workloadSelector.labels ?? {});
    const wild = labels.filter(([k, v]) => k.includes('*') || v.includes('*'));
    for (const [k] of wild) f.error(key('spec.workloadSelector.labels', k), 'wildcards are not supported in selector labels: name the exact label');
    checkLabels(f, 'spec.workloadSelector.labels', Object.fromEntries(labels.filter((e) => !wild.includes(e))));
  }
  checkExportTo(f, 'spec.exportTo', spec.exportTo, ctx);
  return f.result();
}

/** Rule 36: endpoints per resolution. */
function checkEndpoints(f: Findings, spec: ServiceEntrySpec, resolution: string, ports: ReadonlySet<string>, legacy: boolean): void {
  const endpoints = spec.endpoints ?? [];
  if (resolution === 'NONE' && endpoints.length > 0) f.error('spec.endpoints', 'resolution NONE cannot have endpoints: use STATIC, or remove them');
  if (resolution === 'STATIC' && endpoints.length === 0 && !spec.workloadSelector) f.error('spec.endpoints', 'resolution STATIC needs endpoints (or a workloadSelector)');
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) f.error('spec.endpoints', 'resolution DNS_ROUND_ROBIN cannot have more than one endpoint');
  if ((resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && endpoints.length === 0) {
    for (const [i, h] of spec.hosts.entries()) {
      if (h !== '*' && checkFqdn(h)) f.error(`spec.hosts[${i}]`, `with resolution ${resolution} and no endpoints, hosts must be plain DNS names (no wildcard) that can be resolved`);
    }
  }
  let unix = false;
  for (const [i, ep] of endpoints.entries()) {
    const at = `spec.endpoints[${i}]`;
    const addr = ep.address ?? '';
    if (addr.startsWith('unix://')) {
      unix = true;
      if (resolution !== 'STATIC') f.error(`${at}.address`, 'unix:// endpoints need resolution STATIC');
      if (addr.length <= 'unix://'.length) f.error(`${at}.address`, 'a unix:// endpoint needs a socket path');
      if (ep.ports && Object.keys(ep.ports).length > 0) f.error(`${at}.ports`, `unix endpoint "${addr}" must not have ports`);
    } else if (resolution === 'STATIC') {
      if (!(legacy ? isIPv4(addr) : isIP(addr))) f.error(`${at}.address`, `"${addr}" must be an ${legacy ? 'IPv4 ' : 'IP '}address or a unix:// socket with resolution STATIC`);
    } else if (resolution !== 'NONE') {
      if (!isIP(addr)) f.error(`${at}.address`, checkFqdn(addr) && `"${addr}" must be a DNS name or an IP address`);
    }
    checkEndpointPorts(f, at, ep, ports);
    checkLabels(f, `${at}.labels`, ep.labels);
  }
  if (unix && (spec.ports?.length ?? 0) !== 1) f.error('spec.ports', 'unix:// endpoints need exactly one service port');
}

function checkEndpointPorts(f: Findings, at: string, ep: WorkloadEntrySpec, ports: ReadonlySet<string>): void {
  for (const [name, n] of Object.entries(ep.ports ?? {})) {
    const p = key(`${at}.ports`, name);
    if (!ports.has(name)) f.error(p, `endpoint port "${name}" is not one of the ServiceEntry's port names`);
    f.error(p, checkPort(n));
  }
}
