import { configKey, configKeyPrefix, parseConfigKey } from './keys.js';
import { kindByApiVersion, kindByPlural, splitApiVersion } from './kinds.js';

describe('config keys', () => {
  const vs = kindByPlural('networking.istio.io', 'virtualservices')!;

  it('round-trips a key, including names with dots', () => {
    const key = configKey(vs, 'default', 'shipping.v1');
    expect(key).toBe('networking_istio_io.virtualservices.default.shipping.v1');
    expect(parseConfigKey(key)).toEqual({ group: 'networking.istio.io', plural: 'virtualservices', namespace: 'default', name: 'shipping.v1' });
    expect(key.startsWith(configKeyPrefix(vs, 'default'))).toBe(true);
  });

  it('finds kinds by apiVersion only for served versions', () => {
    expect(kindByApiVersion('networking.istio.io/v1beta1', 'VirtualService')?.plural).toBe('virtualservices');
    expect(kindByApiVersion('networking.istio.io/v9', 'VirtualService')).toBeUndefined();
    expect(splitApiVersion('v1')).toEqual(['', 'v1']);
  });
});
