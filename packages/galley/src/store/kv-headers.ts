/**
 * Headers Galley adds to the messages it writes into the config bucket's stream. KV readers
 * (Pilot, Mixer) ignore them; Galley's own watch and the atomic-apply recovery read them.
 *
 *   KV-Operation: DEL          the KV delete marker (ADR-8). Galley's markers carry the object as it
 *                              was before the delete, so a watch can send it in the DELETED event.
 *   Mesh-Config-Op: create     the write created the object (watch: ADDED; otherwise MODIFIED).
 *   Mesh-Apply-Batch: <id>     the write belongs to an atomic apply; recovery finds its writes by it.
 *
 * https://github.com/nats-io/nats-architecture-and-design/blob/main/adr/ADR-8.md
 */
export const KV_OPERATION_HEADER = 'KV-Operation';
export const CONFIG_OP_HEADER = 'Mesh-Config-Op';
export const APPLY_BATCH_HEADER = 'Mesh-Apply-Batch';
/** JetStream's optimistic-concurrency header: the write succeeds only if the subject's last message has this sequence (0 = none). */
export const EXPECTED_LAST_SUBJECT_SEQUENCE_HEADER = 'Nats-Expected-Last-Subject-Sequence';

/** What a write did to its key. */
export type ConfigWriteOp = 'create' | 'update' | 'delete';
