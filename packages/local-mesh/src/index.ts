/** @mesh/local-mesh: the whole mesh as local processes, for the demo and the e2e tests. */
export { binPath } from './bins.js';
export type { Component } from './bins.js';
export { LocalMesh } from './local-mesh.js';
export type { LocalMeshOptions } from './local-mesh.js';
export { defaultPlan, freePlan, plannedPorts } from './plan.js';
export type { MeshPlan, WorkloadPlan } from './plan.js';
export { buildSummary } from './summary.js';
export { ProcessStartError, Supervisor, tail } from './supervisor.js';
export type { Supervised } from './supervisor.js';
export { allSynced, fetchSyncz, routeVersions, waitForRouteChange } from './sync.js';
export { formatVersions, mergeTraffic, sendBookings } from './traffic.js';
export type { TrafficResult } from './traffic.js';
