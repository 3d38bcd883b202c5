/**
 * NATS names, defined once. Subject grammar:
 *   mesh.config.events                 one ConfigEvent (JSON) per stored change, after the KV write
 *   mesh.citadel.trustbundle           the current root certificates (PEM), published by Citadel
 * KV bucket `mesh-config` holds every config object under `configKey()`; its revision is the
 * object's resourceVersion. Consumers load the bucket, then follow it (a KV watch does both).
 */
export const CONFIG_BUCKET = 'mesh-config';
export const CONFIG_EVENTS_SUBJECT = 'mesh.config.events';
export const TRUST_BUNDLE_SUBJECT = 'mesh.citadel.trustbundle';

/**
 * KV bucket `mesh-registry`: the services and workloads registry owners (Pilot) know, for
 * consumers that must not import them (Galley's analysis). Key grammar, value shapes and expiry
 * rules are documented in registry/mesh-registry.ts.
 */
export const REGISTRY_BUCKET = 'mesh-registry';
