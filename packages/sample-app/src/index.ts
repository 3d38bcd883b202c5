/** @mesh/sample-app: booking, inventory and shipping services used by the demo, e2e tests and benchmarks. */
export { sampleAppSettings } from './config.js';
export { HANDLERS } from './handlers.js';
export type { AppContext, AppResponse } from './handlers.js';
export { callService, PROPAGATED_HEADERS } from './mesh-call.js';
export type { CallResult } from './mesh-call.js';
export { SampleAppServer } from './server.js';
