/** @mesh/mixer: policy Check and telemetry Report (istio.mixer.v1.Mixer). */
export { MixerMetrics } from './admin/mixer-metrics.js';
export type { RpcOutcome } from './admin/mixer-metrics.js';
export { registerDebugRoutes } from './admin/debug-routes.js';
export { allowAllPolicy } from './check/allow-check.js';
export type { CheckPolicy, CheckValidity } from './check/allow-check.js';
export { MIXER_SETTINGS, mixerSettingsProblems } from './config.js';
export type { MixerSettings } from './config.js';
export { createMixerHandlers, mixerServiceDefinition } from './grpc/mixer-grpc-service.js';
export type { MixerServiceDeps } from './grpc/mixer-grpc-service.js';
export { OTHER, ReportLedger, reportKeyOf } from './report/report-ledger.js';
export type { ReportKey, ReportLedgerOptions, ReportLedgerSnapshot, ServiceReportCounts } from './report/report-ledger.js';
export { startMixer } from './start-mixer.js';
export type { RunningMixer } from './start-mixer.js';
