import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectPod, RULES_ENV } from './inject-pod.js';
import { iptablesRestoreRules } from './iptables-rules.js';
import type { Container, KubeObject, PodTemplate } from './kube-types.js';
import { DEFAULT_INJECTION_SETTINGS } from './settings.js';

const fixture = (file: string): KubeObject[] => parseAllDocuments(fs.readFileSync(path.join(__dirname, 'testdata', file), 'utf8')).map((d) => d.toJS() as KubeObject);
const envOf = (c: Container): Record<string, unknown> => Object.fromEntries((c['env'] as Array<{ name: string; value?: string; valueFrom?: unknown }>).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('injectPod', () => {
  const productpage = fixture('bookinfo.yaml').find((o) => o.metadata?.name === 'productpage-v1')!;
  const template = (productpage['spec'] as { template: PodTemplate }).template;
  const before = JSON.stringify(template);
  const result = injectPod(template, DEFAULT_INJECTION_SETTINGS);
  if (!result.ok) throw new Error(result.message);
  const { spec, metadata } = result.pod;

  it('puts the proxy first, then the app, and appends the init container', () => {
    expect(spec.containers.map((c) => c.name)).toEqual(['istio-proxy', 'productpage']);
    expect(spec.initContainers!.map((c) => c.name)).toEqual(['istio-init']);
    expect(JSON.stringify(template)).toBe(before);
  });

  it('makes the app wait for the proxy: postStart polls the proxy\'s /ready', () => {
    const hook = (spec.containers[0]!['lifecycle'] as { postStart: { exec: { command: string[] } } }).postStart.exec.command;
    expect(hook.slice(0, 2)).toEqual(['node', '-e']);
    expect(hook[2]).toContain('http://127.0.0.1:15000/ready');
  });

  it('configures the sidecar for this workload from the downward API and the template', () => {
    const env = envOf(spec.containers[0]!);
    expect(env).toMatchObject({
      MESH_SIDECAR_PILOT_ADDRESS: 'mesh-pilot.mesh-system.svc:15010',
      MESH_SIDECAR_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      MESH_SIDECAR_INSTANCE_IP: { fieldRef: { fieldPath: 'status.podIP' } },
      MESH_SIDECAR_SERVICE_ACCOUNT: { fieldRef: { fieldPath: 'spec.serviceAccountName' } },
      MESH_SIDECAR_LABELS: 'app=productpage,version=v1',
      MESH_SIDECAR_APP_PORT: '9080',
      MESH_SIDECAR_SERVICE_PORT: '9080',
      MESH_SIDECAR_CITADEL_SA_TOKEN_FILE: '/var/run/secrets/tokens/istio-token',
      MESH_SIDECAR_CITADEL_ROOT_CERT_FILE: '/etc/mesh/ca/root-cert.pem',
    });
    expect(spec.containers[0]!['securityContext']).toMatchObject({ runAsUser: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true });
  });

  it('adds the identity volumes next to the pod\'s own, and fsGroup for the token', () => {
    expect(spec.volumes!.map((v) => v.name)).toEqual(['tmp', 'istio-envoy', 'istio-token', 'mesh-ca-root-cert']);
    expect(spec.volumes!.find((v) => v.name === 'istio-token')).toEqual({ name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } });
    expect(spec.securityContext).toEqual({ fsGroup: 1337 });
    expect(JSON.parse(metadata!.annotations!['sidecar.istio.io/status']!)).toEqual({ version: 'ts-mesh/1', initContainers: ['istio-init'], containers: ['istio-proxy'], volumes: ['istio-envoy', 'istio-token', 'mesh-ca-root-cert'] });
    expect(metadata!.annotations!['prometheus.io/port']).toBe('9080');
  });

  it('gives the init container the redirect rules, with the pod\'s exclusions', () => {
    const db = fixture('workloads.yaml').find((o) => o.kind === 'StatefulSet')!;
    const r = injectPod((db['spec'] as { template: PodTemplate }).template, DEFAULT_INJECTION_SETTINGS);
    if (!r.ok) throw new Error(r.message);
    expect(r.pod.spec.initContainers!.map((c) => c.name)).toEqual(['init-schema', 'istio-init']);
    const init = r.pod.spec.initContainers![1]!;
    expect(envOf(init)[RULES_ENV]).toBe(iptablesRestoreRules({ proxyUid: 1337, outboundPort: 15001, inboundPort: 15006, excludeInboundPorts: [9104], excludeOutboundCidrs: ['10.96.0.1/32'] }));
    expect(init['securityContext']).toMatchObject({ runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } });
    expect(r.pod.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    expect(envOf(r.pod.spec.containers[0]!)).toMatchObject({ MESH_SIDECAR_APP_PORT: '3306', MESH_SIDECAR_PORT_NAME: 'tcp-mysql' });
  });

  it('omits identity when no Citadel is configured, and appends the proxy when the app need not wait', () => {
    const r = injectPod(template, { ...DEFAULT_INJECTION_SETTINGS, citadelAddress: '', holdApplicationUntilProxyStarts: false });
    if (!r.ok) throw new Error(r.message);
    expect(r.pod.spec.containers.map((c) => c.name)).toEqual(['productpage', 'istio-proxy']);
    expect(r.pod.spec.volumes!.map((v) => v.name)).toEqual(['tmp', 'istio-envoy']);
    expect(r.pod.spec.securityContext).toBeUndefined();
    expect(r.pod.spec.containers[1]!['lifecycle']).toBeUndefined();
  });

  it.each([
    ['traffic.sidecar.istio.io/excludeInboundPorts', 'http', /excludeInboundPorts must be a comma-separated list of ports/],
    ['traffic.sidecar.istio.io/excludeOutboundIPRanges', '10.0.0.0/8 -j ACCEPT', /excludeOutboundIPRanges/],
    ['sidecar.mesh.io/servicePort', '0', /servicePort must be a port/],
  ])('refuses a pod whose %s is %j', (key, value, message) => {
    const r = injectPod({ ...template, metadata: { ...template.metadata, annotations: { [key]: value } } }, DEFAULT_INJECTION_SETTINGS);
    expect(r).toEqual({ ok: false, message: expect.stringMatching(message) });
  });
});
