import { originalDestinationHost } from './cluster-runtime.js';

const cfg = (extra: Partial<{ useHttpHeader: boolean; portOverride: number }> = {}) => ({ useHttpHeader: false, httpHeaderName: 'x-envoy-original-dst-host', ...extra });
const headers = (v: string | undefined) => (name: string) => (name === 'x-envoy-original-dst-host' ? v : undefined);

describe('originalDestinationHost', () => {
  it('is the original destination of a redirected connection, with upstream_port_override', () => {
    expect(originalDestinationHost(cfg(), { destination: { address: '10.0.0.7', port: 3306 } })).toEqual({ address: '10.0.0.7', port: 3306 });
    expect(originalDestinationHost(cfg({ portOverride: 8080 }), { destination: { address: '10.0.0.7', port: 3306 } })).toEqual({ address: '10.0.0.7', port: 8080 });
  });

  it('is none for a connection that was not redirected', () => {
    expect(originalDestinationHost(cfg(), {})).toBeUndefined();
    expect(originalDestinationHost(cfg(), undefined)).toBeUndefined();
  });

  it('ignores the header unless use_http_header is set', () => {
    expect(originalDestinationHost(cfg(), { destination: { address: '10.0.0.7', port: 80 }, header: headers('10.9.9.9:81') })).toEqual({ address: '10.0.0.7', port: 80 });
  });

  it.each([
    ['10.9.9.9:81', { address: '10.9.9.9', port: 81 }],
    ['[fd00::1]:443', { address: 'fd00::1', port: 443 }],
    ['example.com:80', undefined],
    ['10.9.9.9', undefined],
    ['fd00::1:443', undefined],
    ['10.9.9.9:70000', undefined],
  ])('with use_http_header reads %s as %j', (value, host) => {
    expect(originalDestinationHost(cfg({ useHttpHeader: true }), { destination: { address: '10.0.0.7', port: 80 }, header: headers(value) })).toEqual(host);
  });

  it('falls back to the connection when the header is absent', () => {
    expect(originalDestinationHost(cfg({ useHttpHeader: true }), { destination: { address: '10.0.0.7', port: 80 }, header: headers(undefined) })).toEqual({ address: '10.0.0.7', port: 80 });
  });
});
