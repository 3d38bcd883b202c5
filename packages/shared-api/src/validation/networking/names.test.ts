import { checkCidr, checkFqdn, checkLabel, checkSubnet, checkWildcardDomain, hostsOverlap, hostSubsetOf, isIPv4, isIPv6 } from './names.js';
import { checkDurationAtLeastMs, checkDurationMs, durationNanos, isHttpStatusCode, isWholeSeconds, parseProtocol } from './values.js';

describe('host names', () => {
  it.each(['reviews', 'a.b.c', 'Reviews.Example.COM', 'a-1.b2', '*', '*.example.com', '*x', '*-api.example.com', 'x.y.z1'])('accepts %p as a wildcard domain', (h) => {
    expect(checkWildcardDomain(h)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['a..b', 'label ""'],
    ['-a.com', 'label "-a"'],
    ['a_b.com', 'label "a_b"'],
    ['a.com.', 'label ""'],
    ['10.0.0.1', 'cannot be all digits'],
    ['**.com', 'only at the start of the first label'],
    ['a*.com', 'only at the start of the first label'],
    ['a.*', 'only in the first label'],
    [`${'a'.repeat(64)}.com`, 'label'],
  ])('rejects %p as a wildcard domain (%s)', (h, why) => {
    expect(checkWildcardDomain(h)).toContain(why);
  });

  it('checkFqdn has no wildcards', () => {
    expect(checkFqdn('a.example.com')).toBeUndefined();
    expect(checkFqdn('*.example.com')).toContain('label "*"');
  });

  it.each([
    ['a.com', 'a.com', true],
    ['*.foo.com', '*.com', true],
    ['*.com', '*.foo.com', true],
    ['*.foo.com', 'a.foo.com', true],
    ['a.foo.com', '*.foo.com', true],
    ['*.foo.com', '*.bar.com', false],
    ['a.com', 'b.com', false],
  ])('hostsOverlap(%p, %p) is %p', (a, b, want) => {
    expect(hostsOverlap(a, b)).toBe(want);
  });

  it.each([
    ['a.foo.com', '*.foo.com', true],
    ['*.a.foo.com', '*.foo.com', true],
    ['*.foo.com', 'a.foo.com', false],
    ['a.com', 'a.com', true],
    ['b.com', 'a.com', false],
  ])('hostSubsetOf(%p, %p) is %p', (a, b, want) => {
    expect(hostSubsetOf(a, b)).toBe(want);
  });
});

describe('addresses', () => {
  it.each(['0.0.0.0', '10.1.2.3', '255.255.255.255'])('%p is IPv4', (a) => expect(isIPv4(a)).toBe(true));
  it.each(['256.1.1.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '01.2.3.4', '10.0.0.01'])('%p is not IPv4', (a) => expect(isIPv4(a)).toBe(false));
  it.each(['::', '::1', '2001:db8::1', '001:db8::', 'fe80:0:0:0:0:0:0:1', '::ffff:10.0.0.1', '1:2:3:4:5:6:7::'])('%p is IPv6', (a) => expect(isIPv6(a)).toBe(true));
  it.each(['1:2', ':::', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '12345::', '10.0.0.1'])('%p is not IPv6', (a) => expect(isIPv6(a)).toBe(false));

  it.each([
    ['10.0.0.0/8', true, undefined],
    ['10.0.0.0/33', true, 'at most 32'],
    ['10.0.0.0/x', true, 'not a valid CIDR'],
    ['10.0.0.0/8/8', true, 'not a valid CIDR'],
    ['2001:db8::/32', true, 'IPv4 only'],
    ['2001:db8::/32', false, undefined],
    ['2001:db8::/129', false, 'at most 128'],
  ])('checkCidr(%p, ipv4Only=%p)', (s, v4, why) => {
    const r = checkCidr(s, v4);
    if (why === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(why);
  });

  it('checkSubnet takes addresses and CIDRs', () => {
    expect(checkSubnet('1.2.3.4', true)).toBeUndefined();
    expect(checkSubnet('::1', true)).toContain('IPv4 only');
    expect(checkSubnet('::1', false)).toBeUndefined();
    expect(checkSubnet('host', false)).toContain('not a valid IP address or CIDR');
  });
});

describe('labels', () => {
  it.each([
    ['app', 'reviews'],
    ['app.kubernetes.io/name', 'v1.2_3-x'],
    ['version', ''],
  ])('accepts %p=%p', (k, v) => expect(checkLabel(k, v)).toBeUndefined());

  it.each([
    ['a/b/c', 'x', 'invalid label key'],
    ['Bad_Prefix/x', 'x', 'invalid label key'],
    ['-app', 'x', 'invalid label key'],
    ['app', 'a b', 'invalid label value'],
    ['app', '-x', 'invalid label value'],
  ])('rejects %p=%p', (k, v, why) => expect(checkLabel(k, v)).toContain(why));
});

describe('durations', () => {
  it.each([
    ['1s', 1_000_000_000n, 1n],
    ['1.5s', 15_000_000_000n, 10n],
    ['1h30m', 5_400_000_000_000n, 1n],
    ['250ms', 250_000_000n, 1n],
    ['.5s', 5_000_000_000n, 10n],
  ])('durationNanos(%p)', (s, num, den) => {
    expect(durationNanos(s)).toEqual({ num, den });
  });

  it.each(['', '1', 's', '1x', '1s2', '-1s'])('durationNanos(%p) does not parse', (s) => expect(durationNanos(s)).toBeUndefined());

  it.each([
    ['1ms', undefined],
    ['0.001s', undefined],
    ['1m0.5s', undefined],
    ['999us', 'at least 1ms'],
    ['0s', 'at least 1ms'],
    ['1.0001s', 'whole number of milliseconds'],
    ['1001us', 'whole number of milliseconds'],
  ])('rule 12: checkDurationMs(%p)', (s, why) => {
    const r = checkDurationMs(s);
    if (why === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(why);
  });

  it('newer durations need only be at least 1ms', () => {
    expect(checkDurationAtLeastMs('1001us')).toBeUndefined();
    expect(checkDurationAtLeastMs('10us')).toContain('at least 1ms');
  });

  it('CORS maxAge is whole seconds', () => {
    expect(isWholeSeconds('2m')).toBe(true);
    expect(isWholeSeconds('1500ms')).toBe(false);
  });
});

describe('protocols and status codes', () => {
  it('parses protocols case-insensitively', () => {
    expect(parseProtocol('http2')).toBe('HTTP2');
    expect(parseProtocol('grpc-web')).toBe('GRPC-WEB');
    expect(parseProtocol('smtp')).toBeUndefined();
    expect(parseProtocol(undefined)).toBeUndefined();
  });

  it('knows the HTTP status codes Go names', () => {
    expect(isHttpStatusCode('503')).toBe(true);
    expect(isHttpStatusCode('599')).toBe(false);
    expect(isHttpStatusCode('5xx')).toBe(false);
  });
});
