import type { TcpRoute, TlsRoute, VirtualServiceSpec } from '../../config/networking.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings } from './findings.js';
import { checkDestination, checkLabels } from './destination.js';
import { checkGatewayRefs, MESH_GATEWAY } from './gateway-refs.js';
import { checkHttpRoute, checkWeights } from './http-route.js';
import { checkSubnet, checkWildcardDomain, hostsOverlap, hostSubsetOf, isIP } from './names.js';
import { checkExportTo, isLegacyVersion } from './values.js';

/** VirtualService: rules 1-21 of VALIDATION-RULES.md. */
export function validateVirtualService(raw: Record<string, unknown>, ctx: SemanticContext): SemanticFindings {
  const spec = raw as VirtualServiceSpec;
  const f = new Findings();
  const hosts = spec.hosts ?? [];
  const gateways = spec.gateways ?? [];
  const appliesToMesh = gateways.length === 0 || gateways.includes(MESH_GATEWAY);

  // Rule 1 (1.4): hosts are required.
  if (hosts.length === 0) f.error('spec.hosts', 'a VirtualService needs at least one host');
  // Rules 2, 3: each host is an IP or a (wildcard) DNS name; `*` alone not for the mesh.
  let hostsValid = true;
  for (const [i, h] of hosts.entries()) {
    const err = checkWildcardDomain(h);
    if (err && !isIP(h)) {
      f.error(`spec.hosts[${i}]`, err);
      hostsValid = false;
    } else if (h === '*' && appliesToMesh) {
      f.error(`spec.hosts[${i}]`, 'the host "*" is not allowed for a VirtualService that applies to the mesh (no gateways, or "mesh" among them): name the hosts');
      hostsValid = false;
    }
  }
  // Rule 4: hosts must not overlap, wildcards included.
  if (hostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        if (hostsOverlap(hosts[i]!, hosts[j]!)) f.error(`spec.hosts[${j}]`, `duplicate hosts in one VirtualService: "${hosts[i]}" and "${hosts[j]}" overlap`);
      }
    }
  }
  // Rule 5.
  if (!spec.http?.length && !spec.tcp?.length && !spec.tls?.length) f.error('spec', 'a VirtualService needs at least one of http, tcp or tls routes');
  // Rule 6.
  checkGatewayRefs(f, 'spec.gateways', gateways);
  for (const [i, r] of (spec.http ?? []).entries()) checkHttpRoute(f, `spec.http[${i}]`, r, { appliesToMesh });
  for (const [i, r] of (spec.tls ?? []).entries()) checkTlsRoute(f, `spec.tls[${i}]`, r, hosts, ctx);
  for (const [i, r] of (spec.tcp ?? []).entries()) checkTcpRoute(f, `spec.tcp[${i}]`, r, ctx);
  // Rule 20.
  checkExportTo(f, 'spec.exportTo', spec.exportTo, ctx);
  return f.result();
}

/** Rules 8, 9: destinations of a TCP or TLS route, whose weights also total 100 when there are 2+. */
function checkL4Destinations(f: Findings, path: string, route: TcpRoute['route']): void {
  for (const [i, d] of (route ?? []).entries()) checkDestination(f, `${path}[${i}].destination`, d.destination);
  checkWeights(f, path, route ?? []);
}

/** Rule 19: subnets are an address or CIDR (IPv4 only at v1alpha3, as in 1.4). */
function checkSubnets(f: Findings, path: string, subnets: readonly string[] | undefined, ctx: SemanticContext): void {
  for (const [i, s] of (subnets ?? []).entries()) f.error(`${path}[${i}]`, checkSubnet(s, isLegacyVersion(ctx)));
}

/** Rule 18: a TLS route needs matches with SNI hosts inside the VS hosts, and a route. */
function checkTlsRoute(f: Findings, path: string, r: TlsRoute, hosts: readonly string[], ctx: SemanticContext): void {
  if (!r.match?.length) f.error(`${path}.match`, 'a TLS route needs at least one match (with sniHosts)');
  for (const [i, m] of (r.match ?? []).entries()) {
    const at = `${path}.match[${i}]`;
    if (!m.sniHosts?.length) f.error(`${at}.sniHosts`, 'a TLS match needs at least one SNI host');
    for (const [j, sni] of (m.sniHosts ?? []).entries()) {
      const err = checkWildcardDomain(sni);
      if (err && !isIP(sni)) f.error(`${at}.sniHosts[${j}]`, err);
      else if (!hosts.some((h) => hostSubsetOf(sni, h))) {
        f.error(`${at}.sniHosts[${j}]`, `SNI host "${sni}" is not within any of the VirtualService's hosts [${hosts.join(', ')}]`);
      }
    }
    checkSubnets(f, `${at}.destinationSubnets`, m.destinationSubnets, ctx);
    if (m.sourceSubnet) f.error(`${at}.sourceSubnet`, checkSubnet(m.sourceSubnet, isLegacyVersion(ctx)));
    checkLabels(f, `${at}.sourceLabels`, m.sourceLabels);
    checkGatewayRefs(f, `${at}.gateways`, m.gateways);
  }
  if (!r.route?.length) f.error(`${path}.route`, 'a TLS route needs a route (destinations)');
  checkL4Destinations(f, `${path}.route`, r.route);
}

/** Rule 19: a TCP route needs a route; subnets are IPv4 addresses or CIDRs. */
function checkTcpRoute(f: Findings, path: string, r: TcpRoute, ctx: SemanticContext): void {
  for (const [i, m] of (r.match ?? []).entries()) {
    const at = `${path}.match[${i}]`;
    checkSubnets(f, `${at}.destinationSubnets`, m.destinationSubnets, ctx);
    if (m.sourceSubnet) f.error(`${at}.sourceSubnet`, checkSubnet(m.sourceSubnet, isLegacyVersion(ctx)));
    checkLabels(f, `${at}.sourceLabels`, m.sourceLabels);
    checkGatewayRefs(f, `${at}.gateways`, m.gateways);
  }
  if (!r.route?.length) f.error(`${path}.route`, 'a TCP route needs a route (destinations)');
  checkL4Destinations(f, `${path}.route`, r.route);
}
