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
