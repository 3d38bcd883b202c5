import { freePort } from '@mesh/runtime';

/** One sample-app workload and its sidecar. */
export interface WorkloadPlan {
  /** Process name: `shipping-v2`. */
  name: string;
  app: 'booking' | 'inventory' | 'shipping';
  /** The service host clients use: `shipping-service`. */
  service: string;
  version: string;
  serviceAccount: string;
  appPort: number;
  outboundPort: number;
  inboundPort: number;
  adminPort: number;
}

/** Every port of a local mesh. */
export interface MeshPlan {
  galley: { apiPort: number; adminPort: number };
  /** xDS plaintext (15010) and mTLS (15011, with the certificate its agent keeps from Citadel). */
  pilot: { xdsPort: number; xdsTlsPort: number; adminPort: number };
  citadel: { grpcPort: number; adminPort: number };
  /** Mixer's gRPC, admin, and its prometheus adapter's own port (Istio's 42422). */
  mixer: { grpcPort: number; adminPort: number; adapterMetricsPort: number };
  workloads: WorkloadPlan[];
  /** The logical port every sample service exposes (`http://shipping-service:80`). */
  servicePort: number;
}

const WORKLOADS: ReadonlyArray<Pick<WorkloadPlan, 'name' | 'app' | 'service' | 'version' | 'serviceAccount'>> = [
  { name: 'booking-v1', app: 'booking', service: 'booking-service', version: 'v1', serviceAccount: 'booking' },
  { name: 'inventory-v1', app: 'inventory', service: 'inventory-service', version: 'v1', serviceAccount: 'inventory' },
  { name: 'shipping-v1', app: 'shipping', service: 'shipping-service', version: 'v1', serviceAccount: 'shipping' },
  { name: 'shipping-v2', app: 'shipping', service: 'shipping-service', version: 'v2', serviceAccount: 'shipping' },
];

/**
 * The demo's fixed ports: the control plane on Istio 1.4's defaults (admin ports moved so several
 * processes share one host), each workload's sidecar on Istio's ports shifted by 100 per workload.
 */
export function defaultPlan(): MeshPlan {
  return {
    galley: { apiPort: 9901, adminPort: 15015 },
    pilot: { xdsPort: 15010, xdsTlsPort: 15011, adminPort: 15014 },
    citadel: { grpcPort: 8060, adminPort: 15016 },
    mixer: { grpcPort: 9091, adminPort: 15017, adapterMetricsPort: 42422 },
    servicePort: 80,
    workloads: WORKLOADS.map((w, i) => ({ ...w, appPort: 9080 + i, outboundPort: 15001 + 100 * i, inboundPort: 15006 + 100 * i, adminPort: 15000 + 100 * i })),
  };
}

/** The same topology on free ports, so several meshes (tests) can run side by side. */
export async function freePlan(): Promise<MeshPlan> {
  const taken = new Set<number>();
  // freePort checks one port at a time; the plan needs them all distinct.
  const p = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    galley: { apiPort: await p(), adminPort: await p() },
    pilot: { xdsPort: await p(), xdsTlsPort: await p(), adminPort: await p() },
    citadel: { grpcPort: await p(), adminPort: await p() },
    mixer: { grpcPort: await p(), adminPort: await p(), adapterMetricsPort: await p() },
    servicePort: 80,
    workloads: await Promise.all(WORKLOADS.map(async (w) => ({ ...w, appPort: await p(), outboundPort: await p(), inboundPort: await p(), adminPort: await p() }))),
  };
}

/** Every port of a plan with what uses it, for a clear message when one is taken. */
export function plannedPorts(plan: MeshPlan): Array<[port: number, use: string]> {
  return [
    [plan.galley.apiPort, 'galley API'],
    [plan.galley.adminPort, 'galley admin'],
    [plan.pilot.xdsPort, 'pilot xDS'],
    [plan.pilot.xdsTlsPort, 'pilot mTLS xDS'],
    [plan.pilot.adminPort, 'pilot admin'],
    [plan.citadel.grpcPort, 'citadel gRPC'],
    [plan.citadel.adminPort, 'citadel admin'],
    [plan.mixer.grpcPort, 'mixer gRPC'],
    [plan.mixer.adminPort, 'mixer admin'],
    [plan.mixer.adapterMetricsPort, 'mixer prometheus adapter'],
    ...plan.workloads.flatMap((w): Array<[number, string]> => [
      [w.appPort, `${w.name} app`],
      [w.outboundPort, `${w.name} sidecar outbound`],
      [w.inboundPort, `${w.name} sidecar inbound`],
      [w.adminPort, `${w.name} sidecar admin`],
    ]),
  ];
}
