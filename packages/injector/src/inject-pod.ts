import { iptablesRestoreRules, parseCidrList, parsePortList } from './iptables-rules.js';
import type { Container, PodTemplate, Volume } from './kube-types.js';
import type { InjectionSettings } from './settings.js';
import {
  EXCLUDE_INBOUND_PORTS_ANNOTATION,
  EXCLUDE_OUTBOUND_CIDRS_ANNOTATION,
  INIT_CONTAINER,
  ROOT_CERT_DIR,
  SERVICE_PORT_ANNOTATION,
  SIDECAR_CONTAINER,
  STATUS_ANNOTATION,
  TOKEN_DIR,
  VOLUMES,
} from './settings.js';

/** A pod template with the sidecar, or why the pod's annotations make that impossible. */
export type InjectPodResult = { ok: true; pod: PodTemplate } | { ok: false; message: string };

/** The env var the init container reads its rules from (`iptables-restore --noflush`). */
export const RULES_ENV = 'MESH_IPTABLES_RULES';

/** Polls the proxy's /ready (200 once it has its first config from Pilot); `limitS` bounds it. */
function readyScript(adminPort: number, limitS: number): string {
  return (
    `const d=Date.now()+${limitS * 1000};` +
    `(function t(){require('http').get('http://127.0.0.1:${adminPort}/ready',r=>{r.resume();` +
    `if(r.statusCode===200)process.exit(0);if(Date.now()>d)process.exit(1);setTimeout(t,500)})` +
    `.on('error',()=>{if(Date.now()>d)process.exit(1);setTimeout(t,500)})})()`
  );
}

/** The app's first TCP container port: what the inbound side forwards to. */
function appPort(pod: PodTemplate): { port: number; name?: string } | undefined {
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if ((p.protocol ?? 'TCP') === 'TCP' && Number.isInteger(p.containerPort)) return { port: p.containerPort, name: p.name };
  }
  return undefined;
}

function sidecarContainer(pod: PodTemplate, s: InjectionSettings, servicePort: number | undefined): Container {
  const labels = { ...(pod.metadata?.labels ?? {}) };
  const port = appPort(pod);
  // A workload with an app label serves that service, and the sidecar then needs the app's port;
  // without a declared port it can only be an outbound-only workload.
  if (!port) delete labels['app'];
  const env: Array<Record<string, unknown>> = [
    { name: 'MESH_SIDECAR_PILOT_ADDRESS', value: s.pilotAddress },
    { name: 'MESH_SIDECAR_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'MESH_SIDECAR_WORKLOAD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MESH_SIDECAR_INSTANCE_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'MESH_SIDECAR_SERVICE_ACCOUNT', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
    {
      name: 'MESH_SIDECAR_LABELS',
      value: Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`)
        .join(','),
    },
    { name: 'MESH_SIDECAR_OUTBOUND_PORT', value: String(s.outboundPort) },
    { name: 'MESH_SIDECAR_INBOUND_PORT', value: String(s.inboundPort) },
    { name: 'MESH_ADMIN_PORT', value: String(s.adminPort) },
    { name: 'MESH_SIDECAR_TRUST_DOMAIN', value: s.trustDomain },
  ];
  if (port) {
    env.push({ name: 'MESH_SIDECAR_APP_PORT', value: String(port.port) }, { name: 'MESH_SIDECAR_SERVICE_PORT', value: String(servicePort ?? port.port) });
    if (port.name) env.push({ name: 'MESH_SIDECAR_PORT_NAME', value: port.name });
  }
  const mounts: Array<Record<string, unknown>> = [{ name: VOLUMES.scratch, mountPath: '/tmp' }];
  if (s.citadelAddress) {
    env.push(
      { name: 'MESH_SIDECAR_CITADEL_ADDRESS', value: s.citadelAddress },
      { name: 'MESH_SIDECAR_CITADEL_ROOT_CERT_FILE', value: `${ROOT_CERT_DIR}/root-cert.pem` },
      { name: 'MESH_SIDECAR_CITADEL_SA_TOKEN_FILE', value: `${TOKEN_DIR}/istio-token` },
    );
    mounts.push({ name: VOLUMES.token, mountPath: TOKEN_DIR, readOnly: true }, { name: VOLUMES.rootCert, mountPath: ROOT_CERT_DIR, readOnly: true });
  }
  if (s.mixerAddress) env.push({ name: 'MESH_SIDECAR_MIXER_ADDRESS', value: s.mixerAddress });
  const container: Container = {
    name: SIDECAR_CONTAINER,
    image: s.sidecarImage,
    imagePullPolicy: s.imagePullPolicy,
    command: ['node', '/app/bin/mesh-sidecar.js'],
    env,
    // The probe runs inside the pod: the admin server is bound to loopback (it serves /quitquitquit).
    readinessProbe: { exec: { command: ['node', '-e', readyScript(s.adminPort, 0)] }, initialDelaySeconds: 1, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30 },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    securityContext: {
      runAsUser: s.proxyUid,
      runAsGroup: s.proxyUid,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
  };
  // Kubelet starts containers in order and waits for a postStart hook before the next one:
  // with the proxy first, the app starts only once the proxy has its config (Istio's
  // holdApplicationUntilProxyStarts).
  if (s.holdApplicationUntilProxyStarts) container['lifecycle'] = { postStart: { exec: { command: ['node', '-e', readyScript(s.adminPort, 120)] } } };
  return container;
}

function initContainer(s: InjectionSettings, rules: string): Container {
  return {
    name: INIT_CONTAINER,
    image: s.initImage,
    imagePullPolicy: s.imagePullPolicy,
    command: ['sh', '-c', `printf '%s' "$${RULES_ENV}" | iptables-restore --noflush`],
    env: [{ name: RULES_ENV, value: rules }],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    // Changing the pod's netfilter rules needs root with NET_ADMIN/NET_RAW, for this one command;
    // the writable root filesystem is for iptables' lock file.
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

function identityVolumes(s: InjectionSettings): Volume[] {
  const scratch: Volume = { name: VOLUMES.scratch, emptyDir: { medium: 'Memory' } };
  if (!s.citadelAddress) return [scratch];
  return [
    scratch,
    // A short-lived token for Citadel's TokenReview, bound to this pod (not the legacy secret).
    { name: VOLUMES.token, projected: { sources: [{ serviceAccountToken: { audience: s.tokenAudience, expirationSeconds: 43200, path: 'istio-token' } }] } },
    { name: VOLUMES.rootCert, configMap: { name: s.rootCertConfigMap } },
  ];
}

/**
 * Adds the mesh to a pod (or a workload's pod template), with no I/O: the sidecar container (first,
 * when the app must wait for it), the init container that installs the iptables redirect, the
 * identity volumes, `fsGroup` so the proxy's UID can read the projected token, and the status
 * annotation. Deterministic: the webhook and `meshctl kube-inject` give identical pods. The input
 * is not modified. Call it only when {@link injectionDecision} says so.
 */
export function injectPod(pod: PodTemplate, s: InjectionSettings): InjectPodResult {
  const annotations = pod.metadata?.annotations ?? {};
  const excludeIn = parsePortList(annotations[EXCLUDE_INBOUND_PORTS_ANNOTATION]);
  if (!excludeIn) return { ok: false, message: `annotation ${EXCLUDE_INBOUND_PORTS_ANNOTATION} must be a comma-separated list of ports, got "${annotations[EXCLUDE_INBOUND_PORTS_ANNOTATION]}"` };
  const excludeOut = parseCidrList(annotations[EXCLUDE_OUTBOUND_CIDRS_ANNOTATION]);
  if (!excludeOut) return { ok: false, message: `annotation ${EXCLUDE_OUTBOUND_CIDRS_ANNOTATION} must be a comma-separated list of CIDRs, got "${annotations[EXCLUDE_OUTBOUND_CIDRS_ANNOTATION]}"` };
  const servicePortText = annotations[SERVICE_PORT_ANNOTATION];
  const servicePort = servicePortText === undefined ? undefined : Number(servicePortText);
  if (servicePort !== undefined && (!Number.isInteger(servicePort) || servicePort < 1 || servicePort > 65535)) {
    return { ok: false, message: `annotation ${SERVICE_PORT_ANNOTATION} must be a port, got "${servicePortText}"` };
  }
  const clash = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === INIT_CONTAINER);
  if (clash) return { ok: false, message: `the pod already has a container named ${INIT_CONTAINER}` };

  const rules = iptablesRestoreRules({
    proxyUid: s.proxyUid,
    outboundPort: s.outboundPort,
    inboundPort: s.inboundPort,
    excludeInboundPorts: [...s.excludeInboundPorts, ...excludeIn],
    excludeOutboundCidrs: [...s.excludeOutboundCidrs, ...excludeOut],
  });
  const out = structuredClone(pod);
  const sidecar = sidecarContainer(pod, s, servicePort);
  const volumes = identityVolumes(s);
  out.spec.containers = s.holdApplicationUntilProxyStarts ? [sidecar, ...out.spec.containers] : [...out.spec.containers, sidecar];
  out.spec.initContainers = [...(out.spec.initContainers ?? []), initContainer(s, rules)];
  out.spec.volumes = [...(out.spec.volumes ?? []), ...volumes.filter((v) => !(out.spec.volumes ?? []).some((x) => x.name === v.name))];
  if (s.citadelAddress && out.spec.securityContext?.['fsGroup'] === undefined) out.spec.securityContext = { ...(out.spec.securityContext ?? {}), fsGroup: s.proxyUid };
  const status = { version: 'ts-mesh/1', initContainers: [INIT_CONTAINER], containers: [SIDECAR_CONTAINER], volumes: volumes.map((v) => v.name) };
  out.metadata = { ...(out.metadata ?? {}), annotations: { ...annotations, [STATUS_ANNOTATION]: JSON.stringify(status) } };
  return { ok: true, pod: out };
}
