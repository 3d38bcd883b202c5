import { parseSettings, SettingsError } from '@mesh/runtime';
import { buildSidecarConfig, nodeId, parseLabels, sidecarSettingSpecs, workloadMetadata } from './config.js';

function settings(env: Record<string, string>, argv: string[] = []) {
  const parsed = parseSettings(sidecarSettingSpecs, argv, env);
  if (parsed.help) throw new Error('help');
  return parsed.settings;
}

describe('sidecar config', () => {
  it('has Istio 1.4 ports by default, admin on loopback', () => {
    const s = settings({});
    expect([s.outboundPort, s.inboundPort, s.adminPort, s.adminHost, s.pilotAddress]).toEqual([15001, 15006, 15000, '127.0.0.1', '127.0.0.1:15010']);
  });

  it('builds node id and metadata from the settings (endpointPort = the bound inbound port)', () => {
    const config = buildSidecarConfig(
      settings({ MESH_SIDECAR_LABELS: 'app=shipping,version=v2', MESH_SIDECAR_NAMESPACE: 'shop', MESH_SIDECAR_APP_PORT: '9080', MESH_SIDECAR_WORKLOAD_NAME: 'shipping-v2-1', MESH_SIDECAR_INSTANCE_IP: '10.0.0.7' }),
    );
    expect(nodeId(config)).toBe('sidecar~10.0.0.7~shipping-v2-1.shop~shop.svc.cluster.local');
    expect(config.serviceHost).toBe('shipping.shop.svc.cluster.local');
    expect(workloadMetadata(config, 15123)).toEqual({
      NAMESPACE: 'shop',
      LABELS: { app: 'shipping', version: 'v2' },
      SERVICE_ACCOUNT: 'default',
      INSTANCE_IPS: '10.0.0.7',
      WORKLOAD_NAME: 'shipping-v2-1',
      MESH_SERVICE: 'shipping',
      MESH_PORTS: [{ name: 'http', port: 80, endpointPort: 15123, targetPort: 9080, protocol: 'HTTP' }],
    });
  });

  it('lets an explicit service name win over the app label and defaults the workload name', () => {
    const config = buildSidecarConfig(settings({ MESH_SIDECAR_LABELS: 'app=x', MESH_SIDECAR_SERVICE: 'y', MESH_SIDECAR_APP_PORT: '1' }), 42);
    expect([config.service, config.workloadName]).toEqual(['y', 'y-42']);
  });

  it('needs the app port when the workload serves a service', () => {
    expect(() => buildSidecarConfig(settings({ MESH_SIDECAR_LABELS: 'app=x' }))).toThrow(/MESH_SIDECAR_APP_PORT is required/);
  });

  it('runs outbound-only without a service', () => {
    const config = buildSidecarConfig(settings({}));
    expect(workloadMetadata(config, 15006).MESH_PORTS).toEqual([]);
  });

  it('rejects a label that is not key=value', () => {
    expect(() => parseLabels(['app'])).toThrow(SettingsError);
  });
});
