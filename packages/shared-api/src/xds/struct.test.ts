import type { MethodDefinition } from '@grpc/proto-loader';
import { loadAdsPackageDefinition } from './protos.js';
import { jsonToStruct, structToJson } from './struct.js';

describe('Struct conversion', () => {
  const meta = {
    NAMESPACE: 'default',
    LABELS: { app: 'a', version: 'v1' },
    MESH_PORTS: [{ name: 'http', port: 80, endpointPort: 15006, targetPort: 9080 }],
    FLAG: true,
    OFF: false,
    ZERO: 0,
    EMPTY: '',
    NOTHING: null,
    NESTED: { list: [1, 'two', [true], { deep: null }], empty: {} },
  };

  it('round-trips JSON through the Struct form', () => {
    expect(structToJson(jsonToStruct(meta))).toEqual(meta);
  });

  it('round-trips JSON through the wire encoding grpc-js uses for node metadata', () => {
    const method = loadAdsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<string, MethodDefinition<object, object>>;
    const sar = method['StreamAggregatedResources']!;
    const decoded = sar.requestDeserialize(sar.requestSerialize({ node: { id: 'n', metadata: jsonToStruct(meta) } })) as { node: { metadata: unknown } };
    expect(structToJson(decoded.node.metadata)).toEqual(meta);
  });

  it('writes camelCase Value members, the only spelling protobufjs encodes', () => {
    expect(jsonToStruct({ a: 'x', b: 1, c: true, d: null, e: [], f: {} })).toEqual({
      fields: {
        a: { stringValue: 'x' },
        b: { numberValue: 1 },
        c: { boolValue: true },
        d: { nullValue: 'NULL_VALUE' },
        e: { listValue: { values: [] } },
        f: { structValue: { fields: {} } },
      },
    });
  });

  it('leaves out undefined keys and turns values JSON cannot carry into null', () => {
    expect(jsonToStruct({ gone: undefined, fn: () => 1, big: 1n, list: [undefined] })).toEqual({
      fields: { fn: { nullValue: 'NULL_VALUE' }, big: { nullValue: 'NULL_VALUE' }, list: { listValue: { values: [{ nullValue: 'NULL_VALUE' }] } } },
    });
  });

  it.each([
    ['snake_case members with a snake_case kind', { kind: 'string_value', string_value: 'x', number_value: 0 }, 'x'],
    ['a camelCase kind over defaulted siblings', { kind: 'boolValue', stringValue: '', numberValue: 0, boolValue: false }, false],
    ['a kind whose member is absent (proto3 default)', { kind: 'numberValue' }, 0],
    ['no kind: the first member present', { number_value: 3 }, 3],
    ['a snake_case nested struct', { struct_value: { fields: { k: { list_value: { values: [{ bool_value: true }] } } } } }, { k: [true] }],
    ['no member at all', {}, null],
    ['a value that is not an object', 'x', null],
  ])('reads %s', (_name, value, expected) => {
    expect(structToJson({ fields: { A: value } })).toEqual({ A: expected });
  });

  it.each([
    ['null', null, undefined],
    ['a string', 'x', undefined],
    ['a struct without fields', {}, {}],
    ['a struct with null fields', { fields: null }, {}],
  ])('converts %s to %p', (_name, struct, expected) => {
    expect(structToJson(struct)).toEqual(expected);
  });
});
