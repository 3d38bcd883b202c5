import { configKey, kindByPlural } from '@mesh/shared-api';
import { decodeConfigEntry } from './decode-entry.js';

const vsKey = configKey(kindByPlural('networking.istio.io', 'virtualservices')!, 'shop', 'shipping.v2');
const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeConfigEntry', () => {
  it('decodes a VirtualService, taking name and namespace from the key and the revision as resourceVersion', () => {
    const d = decodeConfigEntry({ key: vsKey, revision: 12, operation: 'PUT', value: bytes({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' }, spec: { hosts: ['a'] } }) });
    expect(d).toEqual({
      type: 'put',
      kind: 'VirtualService',
      key: vsKey,
      revision: 12,
      resource: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'shipping.v2', namespace: 'shop', resourceVersion: '12' }, spec: { hosts: ['a'] } },
    });
  });

  it.each(['DEL', 'PURGE'] as const)('turns %s into a delete', (operation) => {
    expect(decodeConfigEntry({ key: vsKey, revision: 13, operation, value: new Uint8Array() })).toEqual({ type: 'delete', key: vsKey, revision: 13 });
  });

  it.each([
    ['another kind', 'config_istio_io.rules.default.r', '{"spec":{}}', true],
    ['a malformed key', 'nonsense', '{}', false],
    ['a value that is not JSON', vsKey, '{', false],
    ['a value without spec', vsKey, '{"kind":"VirtualService"}', false],
  ])('skips %s', (_what, key, value, untranslated) => {
    expect(decodeConfigEntry({ key, revision: 1, operation: 'PUT', value: bytes(value) })).toMatchObject({ type: 'skip', key, untranslated });
  });
});
