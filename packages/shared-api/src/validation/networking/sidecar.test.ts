import { validateResource } from '../../config/validate.js';

type Spec = Record<string, unknown>;

function sidecar(spec: Spec) {
  return validateResource({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'Sidecar', metadata: { name: 'default' }, spec });
}

const port = (number: number, name = `p${number}`) => ({ number, name, protocol: 'HTTP' });
const egress = (...listeners: Spec[]) => ({ egress: listeners });
const ingress = (listener: Spec) => ({ ingress: [{ port: port(9080), ...listener }], egress: [{ hosts: ['./*'] }] });

describe('Sidecar rules (38)', () => {
  it.each<[string, Spec, string, string]>([
    ['egress is required', {}, 'spec.egress', 'at least one egress listener'],
    ['egress: with no value', { egress: null }, 'spec.egress', 'is empty (null); it must be an array'],
    ['two catch-all listeners', egress({ hosts: ['./*'] }, { hosts: ['*/*'] }), 'spec.egress[1]', 'only one egress listener may omit port'],
    ['the catch-all is not last', egress({ hosts: ['./*'] }, { port: port(80), hosts: ['./*'] }), 'spec.egress[0]', 'must be the last one'],
    ['a host without a namespace', egress({ hosts: ['a.example.com'] }), 'spec.egress[0].hosts[0]', 'must be namespace/dnsName'],
    ['a bad namespace', egress({ hosts: ['Prod/*'] }), 'spec.egress[0].hosts[0]', 'invalid namespace "Prod"'],
    ['a short name', egress({ hosts: ['./reviews'] }), 'spec.egress[0].hosts[0]', 'short names are not allowed'],
    ['an empty dnsName', egress({ hosts: ['ns/'] }), 'spec.egress[0].hosts[0]', 'neither part empty'],
    ['a listener without hosts', egress({ port: port(80) }), 'spec.egress[0].hosts', 'at least one host'],
    ['duplicate egress ports', egress({ port: port(80), hosts: ['./*'] }, { port: port(80, 'other'), hosts: ['./*'] }), 'spec.egress[1].port.number', 'used by another egress listener'],
    ['an egress port name', egress({ port: { number: 80, name: 'HTTP', protocol: 'HTTP' }, hosts: ['./*'] }), 'spec.egress[0].port.name', 'DNS-1123 label'],
    ['an egress protocol', egress({ port: { number: 80, name: 'http', protocol: 'FTP' }, hosts: ['./*'] }), 'spec.egress[0].port.protocol', 'invalid protocol "FTP"'],
    ['a unix listener with a port number', egress({ port: port(80), bind: 'unix:///sock', hosts: ['./*'] }), 'spec.egress[0].port.number', 'must have port number 0'],
    ['ingress needs a port', { ingress: [{ defaultEndpoint: '127.0.0.1:8080' }], egress: [{ hosts: ['./*'] }] }, 'spec.ingress[0].port', 'needs a port'],
    ['ingress needs a defaultEndpoint', ingress({}), 'spec.ingress[0].defaultEndpoint', 'needs a defaultEndpoint'],
    ['a defaultEndpoint on another host', ingress({ defaultEndpoint: '10.0.0.1:8080' }), 'spec.ingress[0].defaultEndpoint', 'must be 127.0.0.1:<port>, :<port> or unix://<path>'],
    ['a defaultEndpoint without a port', ingress({ defaultEndpoint: '127.0.0.1' }), 'spec.ingress[0].defaultEndpoint', 'must be 127.0.0.1:<port>'],
    ['a defaultEndpoint port that is a name', ingress({ defaultEndpoint: ':http' }), 'spec.ingress[0].defaultEndpoint', 'is not a number'],
    ['a defaultEndpoint port out of range', ingress({ defaultEndpoint: ':70000' }), 'spec.ingress[0].defaultEndpoint', 'between 1 and 65535'],
    ['an empty workloadSelector', { workloadSelector: {}, egress: [{ hosts: ['./*'] }] }, 'spec.workloadSelector.labels', 'workloadSelector needs labels'],
    ['egressProxy without ALLOW_ANY', { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY', egressProxy: { host: 'proxy.com', port: { number: 3128 } } } }, 'spec.outboundTrafficPolicy.egressProxy', 'needs mode ALLOW_ANY'],
    ['ingress TLS without certificates', ingress({ defaultEndpoint: ':8080', tls: { mode: 'SIMPLE' } }), 'spec.ingress[0].tls.serverCertificate', 'needs serverCertificate'],
  ])('rejects %s', (_name, spec, field, message) => {
    const r = sidecar(spec);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, Spec]>([
    ['namespace forms and a trailing catch-all', egress({ port: port(9080), hosts: ['prod/*.example.com', '~/*'] }, { hosts: ['./*', '*/*', 'istio-system/*'] })],
    ['ingress endpoints', { ingress: [{ port: port(9080), defaultEndpoint: '127.0.0.1:8080', captureMode: 'NONE' }, { port: port(9090), defaultEndpoint: ':9091' }, { port: port(9100), defaultEndpoint: 'unix:///var/run/app.sock' }], egress: [{ hosts: ['./*'] }] }],
    ['a unix-bound egress listener', egress({ port: { number: 0, name: 'uds', protocol: 'HTTP' }, bind: 'unix:///var/run/egress.sock', hosts: ['./*'] })],
    ['outboundTrafficPolicy with an egress proxy', { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'proxy.com', port: { number: 3128 } } } }],
  ])('accepts %s', (_name, spec) => {
    expect(sidecar(spec)).toMatchObject({ ok: true });
  });
});
