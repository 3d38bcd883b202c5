/** What the traffic redirect needs to know. */
export interface RedirectOptions {
  /** The proxy's UID: its own connections go out untouched (else they would loop into 15001). */
  readonly proxyUid: number;
  readonly outboundPort: number;
  readonly inboundPort: number;
  /** Inbound destination ports left alone (the proxy's own ports are always left alone). */
  readonly excludeInboundPorts?: readonly number[];
  /** Outbound destinations left alone, CIDRs. */
  readonly excludeOutboundCidrs?: readonly string[];
}

/** Chains of the nat table, named like Istio's (ISTIO_* there). */
export const CHAINS = { inbound: 'MESH_INBOUND', inRedirect: 'MESH_IN_REDIRECT', output: 'MESH_OUTPUT', redirect: 'MESH_REDIRECT' } as const;

const PORT = /^\d{1,5}$/;
const CIDR = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

/**
 * The nat-table rules of the init container, in `iptables-restore` format (applied with
 * `iptables-restore --noflush`, which adds our chains and jumps without touching other rules):
 * - inbound TCP (PREROUTING) is redirected to the proxy's inbound port, except the excluded ports;
 * - outbound TCP (OUTPUT) is redirected to the proxy's outbound port, except traffic of the proxy's
 *   UID (`-m owner --uid-owner`), traffic to loopback (the app talking to its own sidecar or to
 *   itself) and the excluded CIDRs.
 * Locally generated packets that REDIRECT matches go to 127.0.0.1, where the outbound listener binds.
 * Same layout as Istio 1.4's istio-iptables.sh, less its IPv6 and TPROXY modes.
 */
export function iptablesRestoreRules(o: RedirectOptions): string {
  for (const p of [o.outboundPort, o.inboundPort, o.proxyUid, ...(o.excludeInboundPorts ?? [])]) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`not a port or UID: ${p}`);
  }
  for (const c of o.excludeOutboundCidrs ?? []) if (!CIDR.test(c)) throw new RangeError(`not a CIDR: ${c}`);
  const { inbound, inRedirect, output, redirect } = CHAINS;
  const excludedIn = [...new Set([o.inboundPort, o.outboundPort, ...(o.excludeInboundPorts ?? [])])];
  const lines = [
    '*nat',
    `:${inbound} - [0:0]`,
    `:${inRedirect} - [0:0]`,
    `:${output} - [0:0]`,
    `:${redirect} - [0:0]`,
    `-A ${redirect} -p tcp -j REDIRECT --to-ports ${o.outboundPort}`,
    `-A ${inRedirect} -p tcp -j REDIRECT --to-ports ${o.inboundPort}`,
    `-A PREROUTING -p tcp -j ${inbound}`,
    ...excludedIn.map((p) => `-A ${inbound} -p tcp --dport ${p} -j RETURN`),
    `-A ${inbound} -p tcp -j ${inRedirect}`,
    `-A OUTPUT -p tcp -j ${output}`,
    // The app calling its own pod IP: back in through the inbound side, as Istio does.
    `-A ${output} -o lo ! -d 127.0.0.1/32 -m owner ! --uid-owner ${o.proxyUid} -j ${inRedirect}`,
    `-A ${output} -m owner --uid-owner ${o.proxyUid} -j RETURN`,
    `-A ${output} -m owner --gid-owner ${o.proxyUid} -j RETURN`,
    `-A ${output} -d 127.0.0.1/32 -j RETURN`,
    ...(o.excludeOutboundCidrs ?? []).map((c) => `-A ${output} -d ${c} -j RETURN`),
    `-A ${output} -j ${redirect}`,
    'COMMIT',
  ];
  return lines.join('\n') + '\n';
}

/** Parses a comma-separated port list (an annotation's value); undefined when any entry is not a port. */
export function parsePortList(value: string | undefined): number[] | undefined {
  if (value === undefined || value.trim() === '') return [];
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.every((p) => PORT.test(p) && Number(p) <= 65535)) return undefined;
  return parts.map(Number);
}

/** Parses a comma-separated CIDR list; undefined when any entry is not a CIDR. */
export function parseCidrList(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return [];
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  return parts.every((c) => CIDR.test(c)) ? parts : undefined;
}
