import { parseSettings } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { structToJson } from '@mesh/shared-api';
import { buildSidecarConfig, sidecarSettingSpecs, TLS_MODE_LABEL, workloadMetadata } from '../../config.js';
import type { ClusterModel, FilterChainModel, ListenerModel } from '../../routing/model.js';
import type { UpstreamTlsModel } from '../../routing/tls-model.js';
import { Sidecar } from '../../sidecar.js';
import { FakeAdsServer } from '../../testing/fake-ads-server.js';
import { makeTestPki } from '../../testing/test-certs.js';
import type { TestPki } from '../../testing/test-certs.js';
import type { WorkloadIdentitySource, WorkloadKeyMaterial } from './identity-source.js';
import { InboundTransport } from './inbound-transport.js';
import { TlsSecrets } from './tls-secrets.js';
import { upstreamTlsFor } from './upstream-tls.js';

const ISTIO_MUTUAL: UpstreamTlsModel = { certificate: { kind: 'sds', name: 'default' }, validation: { kind: 'sds', name: 'ROOTCA' }, alpn: ['istio'] };
const autoCluster: ClusterModel = { name: 'c', type: 'EDS', connectTimeoutMs: 1000, transport: { matches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, tls: ISTIO_MUTUAL }, { name: 'tlsMode-disabled', match: {} }] } };
const istioEndpoint = { address: '10.0.0.1', port: 80, transportMatch: { tlsMode: 'istio' } };

/** An identity whose certificate arrives (and may expire) when the test says, as a late Citadel would. */
class LateIdentity implements WorkloadIdentitySource {
  private material: WorkloadKeyMaterial | undefined;
  private readonly listeners = new Set<(m: WorkloadKeyMaterial) => void>();
  current(): WorkloadKeyMaterial | undefined {
    return this.material;
  }
  onRotate(l: (m: WorkloadKeyMaterial) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  issue(m: WorkloadKeyMaterial): void {
    this.material = m;
    for (const l of this.listeners) l(m);
  }
  expire(): void {
    this.material = undefined;
  }
}

function config(labels: string) {
  const parsed = parseSettings(sidecarSettingSpecs, [], { MESH_SIDECAR_PILOT_ADDRESS: '127.0.0.1:1', MESH_SIDECAR_LABELS: labels, MESH_SIDECAR_APP_PORT: '9080', MESH_SIDECAR_WORKLOAD_NAME: 'httpbin-v1' });
  if (parsed.help) throw new Error('unexpected help');
  return buildSidecarConfig(parsed.settings);
}

describe('mTLS capability of a sidecar', () => {
  it('skips the auto mTLS match while it holds no certificate, and never an explicit transport socket', () => {
    expect(upstreamTlsFor(autoCluster, istioEndpoint, true)).toBe(ISTIO_MUTUAL);
    expect(upstreamTlsFor(autoCluster, istioEndpoint, false)).toBeUndefined();
    const explicit: ClusterModel = { ...autoCluster, transport: { tls: ISTIO_MUTUAL } };
    expect(upstreamTlsFor(explicit, istioEndpoint, false)).toBe(ISTIO_MUTUAL);
  });

  it('refuses further requests on a plaintext connection once every chain of its port terminates TLS (the port turned STRICT)', () => {
    const transport = new InboundTransport(new TlsSecrets(undefined), () => undefined);
    const tlsChain = { tls: { certChain: '', privateKey: '', requireClientCertificate: true, alpn: ['h2'] } };
    const listener = (chains: Array<Partial<FilterChainModel>>): ListenerModel => ({ name: 'virtualInbound', filterChains: chains.map((c) => ({ match: { destinationPort: 15006 }, ...c })) }) as unknown as ListenerModel;
    expect(transport.admitsPlaintext(listener([tlsChain, {}]), 15006)).toBe(true);
    expect(transport.admitsPlaintext(listener([tlsChain]), 15006)).toBe(false);
    expect(transport.admitsPlaintext(listener([tlsChain]), 15007)).toBe(true);
    expect(transport.admitsPlaintext(undefined, 15006)).toBe(true);
  });

  it.each([
    ['sets the tlsMode label while certified', 'app=httpbin', true, 'istio'],
    ['leaves it out without a certificate', 'app=httpbin', false, undefined],
    ['drops a tlsMode label given on the command line without a certificate', `app=httpbin,${TLS_MODE_LABEL}=istio`, false, undefined],
  ])('%s', (_name, labels, certified, expected) => {
    const m = workloadMetadata(config(labels), 15006, certified);
    expect([m.LABELS['app'], m.LABELS[TLS_MODE_LABEL]]).toEqual(['httpbin', expected]);
  });

  describe('re-announcing to Pilot', () => {
    const ads = new FakeAdsServer();
    const identity = new LateIdentity();
    let pki: TestPki;
    let sidecar: Sidecar;

    const labelsOfStream = (stream: number): Record<string, string> | undefined => {
      const first = ads.requests.find((r) => r.stream === stream && r.request.node);
      const meta = first?.request.node?.metadata ? (structToJson(first.request.node.metadata) as { LABELS?: Record<string, string> }) : undefined;
      return meta?.LABELS;
    };
    const latestStream = (): number => Math.max(...ads.requests.map((r) => r.stream));
    async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    beforeAll(async () => {
      pki = makeTestPki();
      await ads.start();
      const parsed = parseSettings(sidecarSettingSpecs, [], {
        MESH_SIDECAR_PILOT_ADDRESS: ads.address,
        MESH_SIDECAR_OUTBOUND_PORT: '0',
        MESH_SIDECAR_INBOUND_PORT: '0',
        MESH_SIDECAR_INBOUND_BIND_HOST: '127.0.0.1',
        MESH_ADMIN_PORT: '0',
        MESH_SIDECAR_LABELS: 'app=httpbin',
        MESH_SIDECAR_APP_PORT: '9080',
        MESH_DRAIN_MS: '100',
      });
      if (parsed.help) throw new Error('unexpected help');
      sidecar = new Sidecar({ config: buildSidecarConfig(parsed.settings), logger: silentLogger(), identity });
      await sidecar.start();
    });

    afterAll(async () => {
      await sidecar.stop();
      await ads.stop();
      pki.cleanup();
    });

    it('connects without the label, then reconnects with it once the certificate arrives (one stream open)', async () => {
      await eventually(() => ads.requests.length > 0);
      const first = latestStream();
      expect(labelsOfStream(first)?.[TLS_MODE_LABEL]).toBeUndefined();
      const c = pki.issue('httpbin', ['URI:spiffe://cluster.local/ns/default/sa/httpbin']);
      identity.issue({ identity: 'spiffe://cluster.local/ns/default/sa/httpbin', certChainPem: [c.cert], keyPem: c.key, rootCertPem: pki.caCert });
      await eventually(() => latestStream() > first && labelsOfStream(latestStream()) !== undefined && ads.openStreams === 1);
      expect(labelsOfStream(latestStream())).toEqual({ app: 'httpbin', [TLS_MODE_LABEL]: 'istio' });
    });

    it('reconnects without the label when the certificate expires unrenewed', async () => {
      const before = latestStream();
      identity.expire();
      // Expiry has no event: the periodic check (5 s) notices it.
      await eventually(() => latestStream() > before && labelsOfStream(latestStream()) !== undefined, 8000);
      expect(labelsOfStream(latestStream())?.[TLS_MODE_LABEL]).toBeUndefined();
    }, 12_000);
  });
});
