import { commonSettings, setting } from '@mesh/runtime';

/** Settings of one sample-app service process. */
export const sampleAppSettings = {
  ...commonSettings(0, '127.0.0.1'),
  service: setting({
    type: 'string',
    env: 'MESH_APP_SERVICE',
    default: undefined,
    required: true,
    oneOf: ['booking', 'inventory', 'shipping'],
    description: 'which service this process is',
  }),
  version: setting({ type: 'string', env: 'MESH_APP_VERSION', default: 'v1', description: 'version label reported in responses (shipping: v1 or v2)' }),
  port: setting({ type: 'port', env: 'MESH_APP_PORT', default: 8080, description: 'port the app listens on (0 = free port, logged)' }),
  host: setting({ type: 'string', env: 'MESH_APP_HOST', default: '127.0.0.1', description: 'address the app binds' }),
  egressProxy: setting({
    type: 'string',
    env: 'MESH_APP_EGRESS_PROXY',
    default: 'http://127.0.0.1:15001',
    description: "where the app sends calls to other services: its sidecar's outbound listener",
  }),
  upstreamTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_APP_UPSTREAM_TIMEOUT_MS', default: 3000, description: 'timeout of calls to other services (ms)' }),
};
