import { loadAdsPackageDefinition } from '@mesh/shared-api';
import type { MethodDefinition } from '@grpc/proto-loader';
import { jsonToStruct, structToJson } from './struct.js';

describe('struct conversion', () => {
  const meta = { NAMESPACE: 'default', LABELS: { app: 'a', version: 'v1' }, MESH_PORTS: [{ name: 'http', port: 80, endpointPort: 15006, targetPort: 9080 }], FLAG: true, NOTHING: null };

  it('round-trips node metadata through the Struct form', () => {
    expect(structToJson(jsonToStruct(meta))).toEqual(meta);
  });

  it('round-trips node metadata through the wire encoding grpc-js uses', () => {
    const method = loadAdsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<string, MethodDefinition<object, object>>;
    const sar = method['StreamAggregatedResources']!;
    const decoded = sar.requestDeserialize(sar.requestSerialize({ node: { id: 'n', metadata: jsonToStruct(meta) } })) as { node: { metadata: unknown } };
    expect(structToJson(decoded.node.metadata)).toEqual(meta);
  });

  it('accepts snake_case value fields and a `kind` discriminator', () => {
    expect(structToJson({ fields: { A: { kind: 'string_value', string_value: 'x', number_value: 0 } } })).toEqual({ A: 'x' });
  });

  it('returns undefined for a missing struct', () => {
    expect(structToJson(null)).toBeUndefined();
  });
});
