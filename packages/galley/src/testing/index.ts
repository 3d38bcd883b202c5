/** Test helpers for packages that exercise Galley in-process (e2e, meshctl). */
export { ConfigEventLog } from './config-event-log.js';
export { createTestGalley } from './test-galley.js';
export type { TestGalley } from './test-galley.js';
