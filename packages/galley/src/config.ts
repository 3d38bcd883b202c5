import { commonSettings, natsSettings, setting } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';

/** Every Galley setting, declared once (flag > `MESH_*` environment > default). */
export const galleySpecs = {
  ...commonSettings(15014),
  ...natsSettings(),
  apiPort: setting({
    type: 'port',
    env: 'MESH_GALLEY_API_PORT',
    default: 9901,
    description: 'port of the Kubernetes-style config API (0 picks a free port and logs it)',
  }),
  apiHost: setting({ type: 'string', env: 'MESH_GALLEY_API_HOST', default: '0.0.0.0', description: 'address the config API binds' }),
  anonymous: setting({
    type: 'bool',
    env: 'MESH_GALLEY_ANONYMOUS',
    default: false,
    description: 'serve the config API without authentication (local demo and tests only; never in production)',
  }),
  tokenFile: setting({
    type: 'string',
    env: 'MESH_GALLEY_TOKEN_FILE',
    default: undefined,
    description: 'file holding the bearer token that grants access to the config API',
  }),
};

/** Galley's parsed, frozen settings. */
export type GalleySettings = Settings<typeof galleySpecs>;
