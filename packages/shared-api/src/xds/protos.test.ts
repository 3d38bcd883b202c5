import { loadCitadelPackageDefinition, loadMixerPackageDefinition } from '../proto/index.js';
import { loadAdsPackageDefinition, packAny, unpackAny } from './protos.js';
import { outboundClusterName, parseOutboundClusterName } from './names.js';
import { resourceTypeOf, TypeUrls } from './type-urls.js';

describe('xDS protos', () => {
  it('encodes and decodes a Cluster through google.protobuf.Any', () => {
    const any = packAny(TypeUrls.Cluster, { name: 'outbound|80|v1|a', type: 'EDS', connect_timeout: { seconds: 1 } });
    expect(any.type_url).toBe(TypeUrls.Cluster);
    expect(unpackAny(any)).toMatchObject({ name: 'outbound|80|v1|a', type: 'EDS', connect_timeout: { seconds: '1' } });
  });

  it('loads the ADS, Citadel and Mixer service definitions', () => {
    expect(Object.keys(loadAdsPackageDefinition())).toContain('envoy.service.discovery.v3.AggregatedDiscoveryService');
    expect(Object.keys(loadCitadelPackageDefinition())).toContain('istio.v1.auth.IstioCertificateService');
    expect(Object.keys(loadMixerPackageDefinition())).toContain('istio.mixer.v1.Mixer');
  });

  it('names clusters the way Istio does', () => {
    const name = outboundClusterName('shipping.default.svc.cluster.local', 80, 'v2');
    expect(name).toBe('outbound|80|v2|shipping.default.svc.cluster.local');
    expect(parseOutboundClusterName(name)).toEqual({ port: 80, subset: 'v2', host: 'shipping.default.svc.cluster.local' });
    expect(resourceTypeOf(TypeUrls.ClusterLoadAssignment)).toBe('ClusterLoadAssignment');
    expect(resourceTypeOf('type.googleapis.com/unknown')).toBeUndefined();
  });
});
