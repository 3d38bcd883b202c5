import { iptablesRestoreRules, parseCidrList, parsePortList } from './iptables-rules.js';

describe('iptablesRestoreRules', () => {
  const rules = iptablesRestoreRules({ proxyUid: 1337, outboundPort: 15001, inboundPort: 15006, excludeInboundPorts: [9104], excludeOutboundCidrs: ['10.96.0.1/32'] });
  const lines = rules.trimEnd().split('\n');

  it('is one nat-table transaction for iptables-restore --noflush', () => {
    expect(lines[0]).toBe('*nat');
    expect(lines.at(-1)).toBe('COMMIT');
    expect(lines.filter((l) => l.startsWith(':'))).toEqual([':MESH_INBOUND - [0:0]', ':MESH_IN_REDIRECT - [0:0]', ':MESH_OUTPUT - [0:0]', ':MESH_REDIRECT - [0:0]']);
  });

  it('redirects inbound TCP to 15006 except the proxy ports and the excluded ones', () => {
    expect(lines).toContain('-A PREROUTING -p tcp -j MESH_INBOUND');
    expect(lines).toContain('-A MESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006');
    const inbound = lines.filter((l) => l.startsWith('-A MESH_INBOUND'));
    expect(inbound).toEqual([
      '-A MESH_INBOUND -p tcp --dport 15006 -j RETURN',
      '-A MESH_INBOUND -p tcp --dport 15001 -j RETURN',
      '-A MESH_INBOUND -p tcp --dport 9104 -j RETURN',
      '-A MESH_INBOUND -p tcp -j MESH_IN_REDIRECT',
    ]);
  });

  it('redirects outbound TCP to 15001 except the proxy UID, loopback and excluded CIDRs, in that order', () => {
    const output = lines.filter((l) => l.startsWith('-A MESH_OUTPUT'));
    expect(output.indexOf('-A MESH_OUTPUT -m owner --uid-owner 1337 -j RETURN')).toBeGreaterThan(0);
    expect(output).toContain('-A MESH_OUTPUT -d 127.0.0.1/32 -j RETURN');
    expect(output).toContain('-A MESH_OUTPUT -d 10.96.0.1/32 -j RETURN');
    expect(output.at(-1)).toBe('-A MESH_OUTPUT -j MESH_REDIRECT');
    expect(lines).toContain('-A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001');
  });

  it('refuses values that would break the rules', () => {
    expect(() => iptablesRestoreRules({ proxyUid: 1337, outboundPort: 15001, inboundPort: 70000 })).toThrow(RangeError);
    expect(() => iptablesRestoreRules({ proxyUid: 1337, outboundPort: 15001, inboundPort: 15006, excludeOutboundCidrs: ['1.2.3.4 -j ACCEPT'] })).toThrow(/not a CIDR/);
  });

  it.each([
    ['9104, 9105', [9104, 9105]],
    ['', []],
    ['80,http', undefined],
    ['99999', undefined],
  ])('parses the port list %j', (v, expected) => expect(parsePortList(v)).toEqual(expected));

  it('parses CIDR lists', () => {
    expect(parseCidrList('10.0.0.0/8, 192.168.1.1')).toEqual(['10.0.0.0/8', '192.168.1.1']);
    expect(parseCidrList('10.0.0.0/8;rm')).toBeUndefined();
  });
});
