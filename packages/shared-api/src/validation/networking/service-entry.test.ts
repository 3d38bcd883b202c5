import { validateResource } from '../../config/validate.js';

type Spec = Record<string, unknown>;

function se(spec: Spec, version = 'v1alpha3') {
  return validateResource({ apiVersion: `networking.istio.io/${version}`, kind: 'ServiceEntry', metadata: { name: 'external' }, spec });
}

const http = { number: 80, name: 'http', protocol: 'HTTP' };
const base = (extra: Spec) => ({ hosts: ['api.example.com'], ports: [http], ...extra });

describe('ServiceEntry rules', () => {
  it.each(([

    ['34: hosts are required', { ports: [http] }, 'spec.hosts', 'required field is missing'],
    ['34: at least one host', { hosts: [], ports: [http] }, 'spec.hosts', 'at least one host'],
    ['34: "*" is forbidden', base({ hosts: ['*'] }), 'spec.hosts[0]', 'the host "*" is not allowed'],
    ['34: a bad host', base({ hosts: ['api..example.com'] }), 'spec.hosts[0]', 'is not a valid DNS name'],
    ['34: an address that is a name', base({ addresses: ['db'] }), 'spec.addresses[0]', 'not a valid IP address or CIDR'],
    ['34: an IPv6 address at v1alpha3', base({ addresses: ['2001:db8::1'] }), 'spec.addresses[0]', 'IPv4 only'],
    ['34: a bad CIDR', base({ addresses: ['10.0.0.0/40'] }), 'spec.addresses[0]', 'at most 32'],
    ['34: CIDR with DNS', base({ addresses: ['10.0.0.0/24'], resolution: 'DNS' }), 'spec.addresses', 'only with resolution NONE or STATIC (it is DNS)'],
    ['35: duplicate port names', base({ ports: [http, { ...http, number: 8080 }] }), 'spec.ports[1].name', 'port names must be unique'],
    ['35: duplicate port numbers', base({ ports: [http, { ...http, name: 'http2' }] }), 'spec.ports[1].number', 'port numbers must be unique'],
    ['35: a port name not a DNS label', base({ ports: [{ ...http, name: 'HTTP' }] }), 'spec.ports[0].name', 'DNS-1123 label'],
    ['35: an unknown protocol', base({ ports: [{ ...http, protocol: 'SMTP' }] }), 'spec.ports[0].protocol', 'invalid protocol "SMTP"'],
    ['35: port number 0', base({ ports: [{ ...http, number: 0 }] }), 'spec.ports[0].number', 'between 1 and 65535'],
    ['35: port number above 65535', base({ ports: [{ ...http, number: 70000 }] }), 'spec.ports[0].number', 'between 1 and 65535'],
    ['36: NONE with endpoints', base({ resolution: 'NONE', endpoints: [{ address: '1.1.1.1' }] }), 'spec.endpoints', 'NONE cannot have endpoints'],
    ['36: STATIC without endpoints', base({ resolution: 'STATIC' }), 'spec.endpoints', 'STATIC needs endpoints'],
    ['36: a STATIC endpoint that is a name', base({ resolution: 'STATIC', endpoints: [{ address: 'a.com' }] }), 'spec.endpoints[0].address', 'must be an IPv4 address or a unix:// socket'],
    ['36: a STATIC IPv6 endpoint at v1alpha3', base({ resolution: 'STATIC', endpoints: [{ address: '::1' }] }), 'spec.endpoints[0].address', 'IPv4'],
    ['36: a unix endpoint with ports', base({ resolution: 'STATIC', endpoints: [{ address: 'unix:///sock', ports: { http: 80 } }] }), 'spec.endpoints[0].ports', 'must not have ports'],
    ['36: unix endpoints need exactly one port', base({ ports: [http, { ...http, name: 'b', number: 81 }], resolution: 'STATIC', endpoints: [{ address: 'unix:///sock' }] }), 'spec.ports', 'exactly one service port'],
    ['36: DNS without endpoints and a wildcard host', base({ hosts: ['*.example.com'], resolution: 'DNS' }), 'spec.hosts[0]', 'must be plain DNS names'],
    ['36: an endpoint port not declared', base({ resolution: 'STATIC', endpoints: [{ address: '1.1.1.1', ports: { grpc: 9090 } }] }), 'spec.endpoints[0].ports.grpc', 'is not one of the ServiceEntry\'s port names'],
    ['36: an endpoint label', base({ resolution: 'STATIC', endpoints: [{ address: '1.1.1.1', labels: { 'a b': 'c' } }] }), 'spec.endpoints[0].labels["a b"]', 'invalid label key'],
    ['37: several hosts on a TCP port', { hosts: ['a.com', 'b.com'], ports: [{ number: 3306, name: 'mysql', protocol: 'TCP' }], resolution: 'DNS' }, 'spec.ports[0].protocol', 'needs HTTP or TLS ports'],
    ['newer: workloadSelector with endpoints', base({ resolution: 'STATIC', workloadSelector: { labels: { app: 'a' } }, endpoints: [{ address: '1.1.1.1' }] }), 'spec.workloadSelector', 'only one of workloadSelector or endpoints'],
    ['newer: a wildcard selector', base({ workloadSelector: { labels: { app: '*' } } }), 'spec.workloadSelector.labels.app', 'wildcards are not supported'],
    ['newer: targetPort above 65535', base({ ports: [{ ...http, targetPort: 65536 }] }), 'spec.ports[0].targetPort', 'between 1 and 65535'],
    ['newer: DNS_ROUND_ROBIN with two endpoints', base({ resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.com' }, { address: 'b.com' }] }), 'spec.endpoints', 'more than one endpoint'],
    ['20: exportTo at v1alpha3', base({ exportTo: ['ns1'] }), 'spec.exportTo[0]', 'only "." (this namespace) or "*"'],
  ] as [string, Spec, string, string, string?][]).map(([n, s, f, m, v]) => [n, s, f, m, v ?? 'v1alpha3'] as const))('rule %s', (_name, spec, field, message, version) => {
    const r = se(spec, version);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each(([
    ['a MESH_EXTERNAL DNS entry', base({ location: 'MESH_EXTERNAL', resolution: 'DNS' })],
    ['a wildcard host with NONE', base({ hosts: ['*.example.com'], resolution: 'NONE' })],
    ['a partial wildcard label', { hosts: ['*x'] }],
    ['CIDRs with STATIC', base({ addresses: ['10.0.0.0/8'], resolution: 1, endpoints: [{ address: '10.0.0.1', ports: { http: 8080 }, labels: { v: '1' } }] })],
    ['a unix endpoint', base({ resolution: 'STATIC', endpoints: [{ address: 'unix:///var/run/a.sock' }] })],
    ['DNS endpoints', base({ resolution: 'DNS', endpoints: [{ address: 'a.internal' }, { address: '10.1.1.1' }] })],
    ['several hosts on HTTP and TLS ports', { hosts: ['a.com', 'b.com'], ports: [http, { number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' }],
    ['several hosts on TCP with NONE', { hosts: ['a.com', 'b.com'], ports: [{ number: 9000, name: 'tcp', protocol: 'TCP' }] }],
    ['a port without a protocol (sniffing)', base({ ports: [{ number: 9000, name: 'any' }] })],
    ['IPv6 and namespace exportTo at v1', base({ addresses: ['2001:db8::1', '2001:db8::/64'], exportTo: ['.', 'ns1'] }), 'v1'],
    ['IPv6 STATIC endpoints at v1beta1', base({ resolution: 'STATIC', endpoints: [{ address: '2001:db8::5' }] }), 'v1beta1'],
  ] as [string, Spec, string?][]).map(([n, s, v]) => [n, s, v ?? 'v1alpha3'] as const))('accepts %s', (_name, spec, version) => {
    expect(se(spec, version)).toMatchObject({ ok: true });
  });
});
