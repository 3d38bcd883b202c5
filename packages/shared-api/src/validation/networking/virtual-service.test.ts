import { validateResource } from '../../config/validate.js';

type Spec = Record<string, unknown>;

function vs(spec: Spec, version = 'v1alpha3') {
  return validateResource({ apiVersion: `networking.istio.io/${version}`, kind: 'VirtualService', metadata: { name: 'reviews' }, spec });
}

const route = (extra: Spec = {}) => ({ route: [{ destination: { host: 'reviews' } }], ...extra });
const http = (r: Spec, extra: Spec = {}) => ({ hosts: ['reviews'], http: [r], ...extra });

describe('VirtualService rules', () => {
  it('accepts a plain route', () => {
    expect(vs(http(route()))).toMatchObject({ ok: true, warnings: [] });
  });

  it.each<[string, Spec, string, string]>([
    ['1: hosts are required', { http: [route()] }, 'spec.hosts', 'at least one host'],
    ['2: a host label cannot have "_"', { hosts: ['re_views'], http: [route()] }, 'spec.hosts[0]', 'label "re_views"'],
    ['2: a TLD cannot be all digits', { hosts: ['a.b.123'], http: [route()] }, 'spec.hosts[0]', 'cannot be all digits'],
    ['2: a wildcard only in the first label', { hosts: ['foo.*.com'], http: [route()] }, 'spec.hosts[0]', 'only in the first label'],
    ['2: a host longer than 255 characters', { hosts: [`${'a'.repeat(60)}.`.repeat(5) + 'com'], http: [route()] }, 'spec.hosts[0]', 'longer than 255'],
    ['3: "*" for the mesh', { hosts: ['*'], http: [route()] }, 'spec.hosts[0]', 'not allowed for a VirtualService that applies to the mesh'],
    ['3: "*" with mesh among gateways', { hosts: ['*'], gateways: ['mesh', 'gw'], http: [route()] }, 'spec.hosts[0]', 'applies to the mesh'],
    ['4: duplicate hosts', { hosts: ['a.com', 'a.com'], http: [route()] }, 'spec.hosts[1]', '"a.com" and "a.com" overlap'],
    ['4: overlapping wildcards', { hosts: ['*.foo.com', '*.com'], http: [route()] }, 'spec.hosts[1]', '"*.foo.com" and "*.com" overlap'],
    ['4: a wildcard covering a host', { hosts: ['a.foo.com', '*.foo.com'], http: [route()] }, 'spec.hosts[1]', 'overlap'],
    ['5: no routes at all', { hosts: ['reviews'] }, 'spec', 'at least one of http, tcp or tls'],
    ['6: namespace/name with an empty part', http(route(), { gateways: ['istio-system/'] }), 'spec.gateways[0]', 'neither part empty'],
    ['6: a gateway name with dots', http(route(), { gateways: ['istio-system/my.gw'] }), 'spec.gateways[0]', 'invalid gateway name "my.gw"'],
    ['6: an upper-case namespace', http(route(), { gateways: ['Istio/gw'] }), 'spec.gateways[0]', 'invalid namespace "Istio"'],
    ['6: a bad legacy FQDN', http(route(), { gateways: ['gw_1.example.com'] }), 'spec.gateways[0]', 'is not a valid DNS name'],
    ['6: gateways in a match', http(route({ match: [{ gateways: ['a/b/c'] }] })), 'spec.http[0].match[0].gateways[0]', 'invalid gateway name "b/c"'],
  ])('rule %s', (_name, spec, field, message) => {
    const r = vs(spec);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each([
    ['an IP host', { hosts: ['10.0.0.1'], http: [route()] }],
    ['"*" on a gateway', { hosts: ['*'], gateways: ['istio-system/ingress'], http: [route()] }],
    ['a wildcard prefix host', { hosts: ['*.example.com', 'reviews'], http: [route()] }],
    ['a partial wildcard label', { hosts: ['*-api.example.com'], http: [route()] }],
    ['a legacy gateway FQDN', { hosts: ['a.com'], gateways: ['ingress.istio-system.svc.cluster.local'], http: [route()] }],
  ])('accepts %s', (_name, spec) => {
    expect(vs(spec)).toMatchObject({ ok: true });
  });
});

describe('VirtualService HTTP route rules', () => {
  const redirect = { uri: '/new' };
  it.each<[string, Spec, string, string]>([
    ['7: route or redirect is required', {}, 'spec.http[0].route', 'needs route (destinations) or redirect'],
    ['7: redirect with route', route({ redirect }), 'spec.http[0].redirect', 'both route and redirect'],
    ['7: redirect with fault', { redirect, fault: { abort: { httpStatus: 500 } } }, 'spec.http[0].redirect', 'both fault and redirect'],
    ['7: redirect with rewrite', { redirect, rewrite: { uri: '/' } }, 'spec.http[0].redirect', 'both rewrite and redirect'],
    ['7: redirect with websocketUpgrade', { redirect, websocketUpgrade: true }, 'spec.http[0].websocketUpgrade', 'not allowed on a redirect'],
    ['7: directResponse with websocketUpgrade', { directResponse: { status: 200 }, websocketUpgrade: true }, 'spec.http[0].websocketUpgrade', 'not allowed on a redirect or directResponse'],
    ['7: directResponse with route', route({ directResponse: { status: 503 } }), 'spec.http[0].directResponse', 'both route and directResponse'],
    ['7: redirect with directResponse', { redirect, directResponse: { status: 503 } }, 'spec.http[0].directResponse', 'both redirect and directResponse'],
    ['7: mirror with mirrors', route({ mirror: { host: 'a' }, mirrors: [{ destination: { host: 'b' } }] }), 'spec.http[0].mirrors', 'mirror and mirrors cannot both'],
    ['8: two weights not totalling 100', { route: [{ destination: { host: 'a' }, weight: 75 }, { destination: { host: 'b' }, weight: 20 }] }, 'spec.http[0].route', 'must total 100 (they total 75 + 20 = 95)'],
    ['8: two destinations without weights', { route: [{ destination: { host: 'a' } }, { destination: { host: 'b' } }] }, 'spec.http[0].route', 'they total 0 + 0 = 0'],
    ['9: destination host "*"', { route: [{ destination: { host: '*' } }] }, 'spec.http[0].route[0].destination.host', 'cannot be "*"'],
    ['9: destination host an IP', { route: [{ destination: { host: '10.1.2.3' } }] }, 'spec.http[0].route[0].destination.host', 'cannot be all digits'],
    ['9: empty subset', { route: [{ destination: { host: 'a', subset: '' } }] }, 'spec.http[0].route[0].destination.subset', 'cannot be empty'],
    ['9: subset not a DNS label', { route: [{ destination: { host: 'a', subset: 'V1' } }] }, 'spec.http[0].route[0].destination.subset', 'DNS-1123 label'],
    ['9: mirror host "*"', route({ mirror: { host: '*' } }), 'spec.http[0].mirror.host', 'cannot be "*"'],
    ['10: empty header name in a match', route({ match: [{ headers: { '': { exact: 'x' } } }] }), 'spec.http[0].match[0].headers[""]', 'header name cannot be empty'],
    ['10: empty header name to set', route({ headers: { request: { set: { '': 'x' } } } }), 'spec.http[0].headers.request.set[""]', 'header name cannot be empty'],
    ['10: empty header name to remove', route({ headers: { response: { remove: [''] } } }), 'spec.http[0].headers.response.remove[0]', 'header name cannot be empty'],
    ['10: empty legacy header name', route({ appendHeaders: { '': 'x' } }), 'spec.http[0].appendHeaders[""]', 'header name cannot be empty'],
    ['10: a null header match', route({ match: [{ headers: { 'x-a': null } }] }), 'spec.http[0].match[0].headers.x-a', 'is empty (null); it must be an object'],
    ['11: negative attempts', route({ retries: { attempts: -1 } }), 'spec.http[0].retries.attempts', 'cannot be negative'],
    ['11: perTryTimeout with 0 attempts', route({ retries: { perTryTimeout: '1s' } }), 'spec.http[0].retries.attempts', 'retries are disabled (attempts is 0)'],
    ['11: retryOn with 0 attempts', route({ retries: { attempts: 0, retryOn: '5xx' } }), 'spec.http[0].retries.attempts', 'retries are disabled'],
    ['11: an unknown retryOn token', route({ retries: { attempts: 2, retryOn: '5xx,sometimes' } }), 'spec.http[0].retries.retryOn', '"sometimes" is not a valid retryOn policy'],
    ['11: a status code Go does not know', route({ retries: { attempts: 2, retryOn: '599' } }), 'spec.http[0].retries.retryOn', '"599" is not a valid'],
    ['12: timeout below 1ms', route({ timeout: '500us' }), 'spec.http[0].timeout', 'must be at least 1ms'],
    ['12: timeout not whole ms', route({ timeout: '1.0005s' }), 'spec.http[0].timeout', 'whole number of milliseconds'],
    ['12: perTryTimeout not whole ms', route({ retries: { attempts: 1, perTryTimeout: '1500us' } }), 'spec.http[0].retries.perTryTimeout', 'whole number of milliseconds'],
    ['12: fixedDelay below 1ms', route({ fault: { delay: { fixedDelay: '0s' } } }), 'spec.http[0].fault.delay.fixedDelay', 'at least 1ms'],
    ['13: fault without abort or delay', route({ fault: {} }), 'spec.http[0].fault', 'needs an abort and/or a delay'],
    ['13: percentage below 0.0001', route({ fault: { abort: { httpStatus: 500, percentage: { value: 0.00001 } } } }), 'spec.http[0].fault.abort.percentage.value', 'must be 0 or within [0.0001, 100]'],
    ['13: percentage above 100', route({ fault: { delay: { fixedDelay: '1s', percentage: { value: 101 } } } }), 'spec.http[0].fault.delay.percentage.value', 'within [0.0001, 100]'],
    ['13: abort status below 200', route({ fault: { abort: { httpStatus: 199 } } }), 'spec.http[0].fault.abort.httpStatus', 'must be within 200-600'],
    ['13: abort status above 600', route({ fault: { abort: { httpStatus: 601 } } }), 'spec.http[0].fault.abort.httpStatus', 'must be within 200-600'],
    ['13: gRPC abort (1.4)', route({ fault: { abort: { grpcStatus: 'UNAVAILABLE' } } }), 'spec.http[0].fault.abort.grpcStatus', 'not supported'],
    ['13: HTTP/2 abort (1.4)', route({ fault: { abort: { http2Error: 'x' } } }), 'spec.http[0].fault.abort.http2Error', 'not supported'],
    ['13: exponentialDelay (1.4)', route({ fault: { delay: { exponentialDelay: '1s' } } }), 'spec.http[0].fault.delay.exponentialDelay', 'not supported'],
    ['14: redirect without uri or authority', { redirect: { redirectCode: 301 } }, 'spec.http[0].redirect', 'must set uri or authority'],
    ['14: redirectCode not 3xx', { redirect: { uri: '/', redirectCode: 200 } }, 'spec.http[0].redirect.redirectCode', '200 is not a redirect code'],
    ['14: redirect scheme', { redirect: { scheme: 'ftp' } }, 'spec.http[0].redirect.scheme', 'must be http or https'],
    ['14: uri with prefixRewrite', { match: [{ uri: { prefix: '/a' } }], redirect: { uri: '/b', prefixRewrite: '/c' } }, 'spec.http[0].redirect.prefixRewrite', 'uri and prefixRewrite'],
    ['14: prefixRewrite without prefix matches', { match: [{ uri: { exact: '/a' } }], redirect: { prefixRewrite: '/c' } }, 'spec.http[0].redirect.prefixRewrite', 'uri prefix match'],
    ['15: rewrite without uri or authority', route({ rewrite: {} }), 'spec.http[0].rewrite', 'must set uri or authority'],
    ['15: uri with uriRegexRewrite', route({ rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } }), 'spec.http[0].rewrite.uriRegexRewrite', 'cannot both be set'],
    ['15: uriRegexRewrite without rewrite', route({ rewrite: { uriRegexRewrite: { match: 'a' } } }), 'spec.http[0].rewrite.uriRegexRewrite', 'needs both match'],
    ['15: uriRegexRewrite not RE2', route({ rewrite: { uriRegexRewrite: { match: '(?=a)', rewrite: 'b' } } }), 'spec.http[0].rewrite.uriRegexRewrite.match', 'lookahead'],
    ['16: mirror_percent above 100 (1.4)', route({ mirror_percent: 101 }), 'spec.http[0].mirror_percent', 'at most 100 (it is 101)'],
    ['16: mirrorPercent above 100', route({ mirrorPercent: 150 }), 'spec.http[0].mirrorPercent', 'at most 100'],
    ['16: mirrorPercentage above 100', route({ mirrorPercentage: { value: 100.5 } }), 'spec.http[0].mirrorPercentage.value', 'within 0-100'],
    ['16: mirrors percentage negative', route({ mirrors: [{ destination: { host: 'a' }, percentage: { value: -1 } }] }), 'spec.http[0].mirrors[0].percentage.value', 'within 0-100'],
    ['17: an origin with a path', route({ corsPolicy: { allowOrigin: ['https://a.com/x'] } }), 'spec.http[0].corsPolicy.allowOrigin[0]', 'not a valid origin'],
    ['17: an origin with a named port', route({ corsPolicy: { allowOrigin: ['http://a.com:http'] } }), 'spec.http[0].corsPolicy.allowOrigin[0]', 'not a valid origin'],
    ['17: a non-standard method', route({ corsPolicy: { allowMethods: ['GET', 'FETCH'] } }), 'spec.http[0].corsPolicy.allowMethods[1]', '"FETCH" is not an HTTP method'],
    ['17: maxAge not whole seconds', route({ corsPolicy: { maxAge: '1500ms' } }), 'spec.http[0].corsPolicy.maxAge', 'whole number of seconds'],
    ['17: an empty allowed header', route({ corsPolicy: { allowHeaders: [''] } }), 'spec.http[0].corsPolicy.allowHeaders[0]', 'cannot be empty'],
    ['21: regex not RE2', route({ match: [{ uri: { regex: '/a(?!b)' } }] }), 'spec.http[0].match[0].uri.regex', 'regex is not valid RE2: lookahead'],
    ['21: a backreference', route({ match: [{ headers: { 'x-a': { regex: '(a)\\1' } } }] }), 'spec.http[0].match[0].headers.x-a.regex', 'backreferences'],
    ['21: regex over 1024 characters', route({ match: [{ uri: { regex: 'a'.repeat(1025) } }] }), 'spec.http[0].match[0].uri.regex', 'at most 1024'],
    ['21: empty regex', route({ match: [{ authority: { regex: '' } }] }), 'spec.http[0].match[0].authority.regex', 'must not be empty'],
    ['21: empty prefix', route({ match: [{ uri: { prefix: '' } }] }), 'spec.http[0].match[0].uri.prefix', 'must not be empty'],
    ['21: query param regex', route({ match: [{ queryParams: { q: { regex: 'a**' } } }] }), 'spec.http[0].match[0].queryParams.q.regex', 'nested repetition'],
    ['21: CORS allowOrigins regex', route({ corsPolicy: { allowOrigins: [{ regex: '[a' }] } }), 'spec.http[0].corsPolicy.allowOrigins[0].regex', 'missing closing ]'],
    ['21: JWT claim routing on the mesh', route({ match: [{ headers: { '@request.auth.claims.group': { exact: 'a' } } }] }), 'spec.http[0].match[0].headers["@request.auth.claims.group"]', 'works only on gateways'],
    ['6/labels: sourceLabels', route({ match: [{ sourceLabels: { 'app/x/y': 'a' } }] }), 'spec.http[0].match[0].sourceLabels["app/x/y"]', 'invalid label key'],
  ])('rule %s', (_name, r, field, message) => {
    const res = vs(http(r));
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, Spec]>([
    ['weights totalling 100', { route: [{ destination: { host: 'a' }, weight: 90 }, { destination: { host: 'b' }, weight: 10 }] }],
    ['a single destination with any weight', { route: [{ destination: { host: 'a' }, weight: 0 }] }],
    ['a redirect with authority only', { redirect: { authority: 'b.com', redirectCode: 308 } }],
    ['a redirect with only a newer field', { redirect: { port: 8443, scheme: 'https' } }],
    ['a directResponse', { directResponse: { status: 503, body: { string: 'down' } } }],
    ['retries with status codes', route({ retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx, 503,retriable-4xx' } })],
    ['a fault with percentage 0', route({ fault: { abort: { httpStatus: 500, percentage: { value: 0 } } } })],
    ['a fault with percentage 0.0001', route({ fault: { abort: { httpStatus: 600, percentage: { value: 0.0001 } } } })],
    ['CORS with origins and whole-second maxAge', route({ corsPolicy: { allowOrigin: ['*', 'https://a.com:8443', 'b.org'], allowMethods: ['GET', 'POST'], maxAge: '24h' } })],
    ['RE2 features', route({ match: [{ uri: { regex: '(?i)^/api/(?P<v>v[0-9]+)/\\pL+$' } }] })],
    ['uriRegexRewrite with match and rewrite', route({ rewrite: { uriRegexRewrite: { match: '^/a/(.*)', rewrite: '/b/\\1' } } })],
    ['a redirect with prefixRewrite on prefix matches', { match: [{ uri: { prefix: '/a' } }], redirect: { prefixRewrite: '/b' } }],
  ])('accepts %s', (_name, r) => {
    expect(vs(http(r))).toMatchObject({ ok: true });
  });

  it('accepts JWT claim routing on a gateway-bound VirtualService', () => {
    const r = vs(http(route({ match: [{ headers: { '@request.auth.claims.group': { exact: 'a' } } }] }), { gateways: ['istio-system/ingress'] }));
    expect(r).toMatchObject({ ok: true });
  });

  it.each<[string, Spec, string]>([
    ['websocketUpgrade', route({ websocketUpgrade: true }), 'spec.http[0].websocketUpgrade: deprecated'],
    ['appendHeaders', route({ appendHeaders: { a: 'b' } }), 'spec.http[0].appendHeaders: deprecated; use headers.request instead'],
    ['removeResponseHeaders on a destination', { route: [{ destination: { host: 'a' }, removeResponseHeaders: ['x'] }] }, 'spec.http[0].route[0].removeResponseHeaders: deprecated; use headers.response'],
    ['mirror_percent', route({ mirror_percent: 5 }), 'spec.http[0].mirror_percent: deprecated: use mirrorPercentage.value'],
    ['an abort without a status', route({ fault: { abort: { percentage: { value: 1 } } } }), 'no request is aborted'],
    ['a delay without fixedDelay', route({ fault: { delay: { percentage: { value: 1 } } } }), 'no request is delayed'],
  ])('warns about %s', (_name, r, warning) => {
    const res = vs(http(r));
    expect(res.ok && res.warnings).toContainEqual(expect.stringContaining(warning));
  });
});

describe('VirtualService TLS and TCP route rules', () => {
  const tlsRoute = (match: Spec[]) => ({ hosts: ['*.example.com'], gateways: ['gw'], tls: [{ match, route: [{ destination: { host: 'a.example.com' } }] }] });
  it.each<[string, Spec, string, string]>([
    ['18: a TLS route needs a match', { hosts: ['a.com'], tls: [{ route: [{ destination: { host: 'a' } }] }] }, 'spec.tls[0].match', 'at least one match'],
    ['18: a TLS match needs sniHosts', tlsRoute([{ port: 443 }]), 'spec.tls[0].match[0].sniHosts', 'at least one SNI host'],
    ['18: SNI outside the hosts', tlsRoute([{ sniHosts: ['b.other.com'] }]), 'spec.tls[0].match[0].sniHosts[0]', 'is not within any of the VirtualService\'s hosts'],
    ['18: a TLS route needs a route', { hosts: ['a.com'], tls: [{ match: [{ sniHosts: ['a.com'] }] }] }, 'spec.tls[0].route', 'needs a route'],
    ['8: TLS weights', { hosts: ['a.com'], tls: [{ match: [{ sniHosts: ['a.com'] }], route: [{ destination: { host: 'a' }, weight: 50 }, { destination: { host: 'b' }, weight: 40 }] }] }, 'spec.tls[0].route', 'must total 100'],
    ['19: a TCP route needs a route', { hosts: ['a.com'], tcp: [{ match: [{ port: 3306 }] }] }, 'spec.tcp[0].route', 'needs a route'],
    ['19: a bad destination subnet', { hosts: ['a.com'], tcp: [{ match: [{ destinationSubnets: ['10.0.0.0/33'] }], route: [{ destination: { host: 'a' } }] }] }, 'spec.tcp[0].match[0].destinationSubnets[0]', 'prefix length is at most 32'],
    ['19: an IPv6 source subnet at v1alpha3', { hosts: ['a.com'], tcp: [{ match: [{ sourceSubnet: '2001:db8::/32' }], route: [{ destination: { host: 'a' } }] }] }, 'spec.tcp[0].match[0].sourceSubnet', 'IPv4 only'],
    ['19: a subnet that is a name', { hosts: ['a.com'], tcp: [{ match: [{ sourceSubnet: 'db' }], route: [{ destination: { host: 'a' } }] }] }, 'spec.tcp[0].match[0].sourceSubnet', 'not a valid IP address or CIDR'],
    ['9: a TCP destination port', { hosts: ['a.com'], tcp: [{ route: [{ destination: { host: 'a', port: { name: 'Bad_Port' } } }] }] }, 'spec.tcp[0].route[0].destination.port.name', 'DNS-1123 label'],
  ])('rule %s', (_name, spec, field, message) => {
    const res = vs(spec);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('accepts SNI hosts within wildcard hosts, and IPv6 subnets at v1', () => {
    expect(vs(tlsRoute([{ sniHosts: ['a.example.com', '*.b.example.com'], destinationSubnets: ['10.0.0.0/8'] }]))).toMatchObject({ ok: true });
    expect(vs({ hosts: ['a.com'], tcp: [{ match: [{ sourceSubnet: '2001:db8::/32' }], route: [{ destination: { host: 'a' } }] }] }, 'v1')).toMatchObject({ ok: true });
  });
});

describe('VirtualService exportTo (rule 20)', () => {
  it.each<[string, string[], string, string, string]>([
    ['two entries at v1alpha3', ['.', '*'], 'v1alpha3', 'spec.exportTo', 'at most one entry'],
    ['a namespace at v1alpha3', ['bookinfo'], 'v1alpha3', 'spec.exportTo[0]', 'only "." (this namespace) or "*"'],
    ['a bad namespace at v1', ['Bad_NS'], 'v1', 'spec.exportTo[0]', 'is not ".", "*", "~" or a namespace name'],
    ['a duplicate at v1beta1', ['a', 'a'], 'v1beta1', 'spec.exportTo[1]', 'duplicate exportTo entry'],
    ['"*" with others at v1', ['*', 'a'], 'v1', 'spec.exportTo', 'cannot be combined'],
  ])('rejects %s', (_name, exportTo, version, field, message) => {
    const res = vs(http(route(), { exportTo }), version);
    expect(!res.ok && res.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each([[['.'], 'v1alpha3'], [['*'], 'v1alpha3'], [['.', 'bookinfo', 'istio-system'], 'v1'], [['~'], 'v1beta1']])('accepts %j at %s', (exportTo, version) => {
    expect(vs(http(route(), { exportTo }), version)).toMatchObject({ ok: true });
  });
});
