import { validateResource } from '../../config/validate.js';

type Spec = Record<string, unknown>;

function gw(spec: Spec, name = 'ingress') {
  return validateResource({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'Gateway', metadata: { name }, spec });
}

const http = { number: 80, name: 'http', protocol: 'HTTP' };
const https = { number: 443, name: 'https', protocol: 'HTTPS' };
const server = (extra: Spec) => ({ selector: { istio: 'ingressgateway' }, servers: [{ port: http, hosts: ['*'], ...extra }] });
const tlsServer = (tls: Spec) => ({ servers: [{ port: https, hosts: ['a.example.com'], tls }] });

describe('Gateway rules', () => {
  it.each(([
    ['29: the name has no dots', server({}), 'metadata.name', 'must be a DNS-1123 label (no dots)', 'ingress.gw'],
    ['29: at least one server', { selector: { istio: 'ingressgateway' } }, 'spec.servers', 'at least one server'],
    ['29: a server needs hosts', server({ hosts: [] }), 'spec.servers[0].hosts', 'at least one host'],
    ['30: a short name host', server({ hosts: ['reviews'] }), 'spec.servers[0].hosts[0]', 'fully-qualified domain name'],
    ['30: a bad namespace', server({ hosts: ['~/a.com'] }), 'spec.servers[0].hosts[0]', 'invalid namespace "~"'],
    ['30: an empty dnsName', server({ hosts: ['ns/'] }), 'spec.servers[0].hosts[0]', 'neither part empty'],
    ['30: a wildcard in the middle', server({ hosts: ['a.*.com'] }), 'spec.servers[0].hosts[0]', 'only in the first label'],
    ['31: port is required', { servers: [{ hosts: ['*'] }] }, 'spec.servers[0].port', 'needs a port'],
    ['31: port.name is required', server({ port: { number: 80, protocol: 'HTTP' } }), 'spec.servers[0].port.name', 'needs a name'],
    ['31: port.number is required', server({ port: { name: 'http', protocol: 'HTTP' } }), 'spec.servers[0].port.number', 'needs a number'],
    ['31: an unknown protocol', server({ port: { number: 80, name: 'http', protocol: 'QUIC' } }), 'spec.servers[0].port.protocol', 'invalid protocol "QUIC"'],
    ['31: a duplicate port name', { servers: [{ port: http, hosts: ['*'] }, { port: { ...http, number: 8080 }, hosts: ['*'] }] }, 'spec.servers[1].port.name', 'already used by spec.servers[0]'],
    ['32: HTTPS needs tls', { servers: [{ port: https, hosts: ['*'] }] }, 'spec.servers[0].tls', 'HTTPS server needs a tls block'],
    ['32: TLS needs tls', { servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*'] }] }, 'spec.servers[0].tls', 'needs a tls block'],
    ['32: plain HTTP with certificates', server({ tls: { httpsRedirect: true, serverCertificate: '/c' } }), 'spec.servers[0].tls', 'may only set tls.httpsRedirect; remove serverCertificate'],
    ['32: plain HTTP with a TLS mode', server({ tls: { mode: 'SIMPLE' } }), 'spec.servers[0].tls', 'may only set tls.httpsRedirect'],
    ['32: TCP with tls', { servers: [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'], tls: { httpsRedirect: true } }] }, 'spec.servers[0].tls', 'cannot have tls settings'],
    ['33: ISTIO_MUTUAL with a certificate', tlsServer({ mode: 'ISTIO_MUTUAL', serverCertificate: '/c' }), 'spec.servers[0].tls.serverCertificate', 'remove serverCertificate'],
    ['33: ISTIO_MUTUAL with a CA bundle', tlsServer({ mode: 'ISTIO_MUTUAL', caCertificates: '/ca' }), 'spec.servers[0].tls.caCertificates', 'remove caCertificates'],
    ['33: SIMPLE without a certificate', tlsServer({ mode: 'SIMPLE', privateKey: '/k' }), 'spec.servers[0].tls.serverCertificate', 'SIMPLE TLS needs serverCertificate'],
    ['33: SIMPLE without a key', tlsServer({ mode: 'SIMPLE', serverCertificate: '/c' }), 'spec.servers[0].tls.privateKey', 'needs privateKey'],
    ['33: MUTUAL without a CA bundle', tlsServer({ mode: 'MUTUAL', serverCertificate: '/c', privateKey: '/k' }), 'spec.servers[0].tls.caCertificates', 'MUTUAL TLS needs caCertificates'],
    ['a bind that is not an IP', server({ bind: 'localhost' }), 'spec.servers[0].bind', 'must be an IP address or a unix:// socket path'],
    ['selector labels', { selector: { 'istio/x/y': 'a' }, servers: [{ port: http, hosts: ['*'] }] }, 'spec.selector["istio/x/y"]', 'invalid label key'],
  ] as [string, Spec, string, string, string?][]).map(([n, s, f, m, name]) => [n, s, f, m, name ?? 'ingress'] as const))('rule %s', (_name, spec, field, message, name) => {
    const r = gw(spec, name);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, Spec]>([
    ['namespace/host forms', server({ hosts: ['*/a.example.com', './*.example.com', 'prod/b.example.com', '*', 'c.example.com'] })],
    ['an IP host', server({ hosts: ['10.0.0.1'] })],
    ['httpsRedirect on HTTP', server({ tls: { httpsRedirect: true } })],
    ['lower-case protocols', server({ port: { number: 80, name: 'http', protocol: 'http2' } })],
    ['SIMPLE with credentialName', tlsServer({ mode: 'SIMPLE', credentialName: 'cert' })],
    ['MUTUAL with files', tlsServer({ mode: 'MUTUAL', serverCertificate: '/c', privateKey: '/k', caCertificates: '/ca' })],
    ['PASSTHROUGH', tlsServer({ mode: 'PASSTHROUGH' })],
    ['ISTIO_MUTUAL alone', tlsServer({ mode: 'ISTIO_MUTUAL', subjectAltNames: ['spiffe://x'] })],
    ['SIMPLE with tlsCertificates', tlsServer({ mode: 1, tlsCertificates: [{ serverCertificate: '/c', privateKey: '/k' }], minProtocolVersion: 'TLSV1_2' })],
  ])('accepts %s', (_name, spec) => {
    expect(gw(spec)).toMatchObject({ ok: true });
  });
});
