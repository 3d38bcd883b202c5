import type { ProtoDuration } from '../translate/duration.js';

/**
 * Mesh-wide settings translation depends on (the subset of Istio's MeshConfig Pilot reads),
 * https://istio.io/v1.4/docs/reference/config/istio.mesh.v1alpha1/.
 */
export interface MeshSettings {
  /** DNS suffix of Kubernetes-style service hosts. */
  domainSuffix: string;
  /** SPIFFE trust domain of workload identities. */
  trustDomain: string;
  /** Where mesh-wide Sidecar, PeerAuthentication and AuthorizationPolicy objects live. */
  rootNamespace: string;
  /**
   * What sidecars do with traffic to unknown hosts: ALLOW_ANY (PassthroughCluster) or REGISTRY_ONLY
   * (BlackHoleCluster), Istio's `outboundTrafficPolicy.mode`; NONE emits neither catch-all.
   */
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY' | 'NONE';
  /** Cluster `connect_timeout` (MeshConfig `connectTimeout`, 10 s by default). */
  connectTimeout: ProtoDuration;
  /** Istio 1.4's `enableAutoMtls` (off by default in 1.4): clients use ISTIO_MUTUAL towards sidecars when no DestinationRule says otherwise. */
  enableAutoMtls: boolean;
}

/** Istio 1.4's defaults, except `outboundTrafficPolicy` (see docs/xds-contract.md). */
export const DEFAULT_MESH_SETTINGS: Readonly<MeshSettings> = Object.freeze({
  domainSuffix: 'cluster.local',
  trustDomain: 'cluster.local',
  rootNamespace: 'istio-system',
  outboundTrafficPolicy: 'NONE',
  connectTimeout: { seconds: 10 },
  enableAutoMtls: false,
});
