/** @mesh/runtime: process plumbing shared by every mesh process. */
export { AdminServer, Readiness } from './admin-server.js';
export type { AdminServerOptions, ReadinessCheck } from './admin-server.js';
export { commonSettings, natsSettings } from './common-settings.js';
export { nativeRsaSigner, signRsaDigest } from './crypto/native-rsa-signer.js';
export type { ForgeMessageDigest, ForgeRsaSigner } from './crypto/native-rsa-signer.js';
export { generateRsaKey } from './crypto/rsa-key.js';
export { bindGrpc, grpcError, stopGrpc } from './grpc.js';
export { runMain } from './lifecycle.js';
export type { MainOptions, Stoppable } from './lifecycle.js';
export { createLogger, LOG_LEVELS } from './logger.js';
export type { Logger } from './logger.js';
export { createProcessMetrics } from './metrics.js';
export type { ProcessMetrics } from './metrics.js';
export { findNatsServerBinary, freePort, isPortOpen, NatsServerProcess } from './nats-server.js';
export { connectNats, NatsUnavailableError } from './nats.js';
export type { NatsConnection } from './nats.js';
export { flagName, helpText, parseSettings, setting, SettingsError } from './settings.js';
export type { ParsedArgs, Settings, SettingSpec, SettingType } from './settings.js';
