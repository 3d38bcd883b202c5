import type { MixerAdapter } from '@mesh/shared-api';
import { durationParam, numberParam, RpcCode } from './params.js';

/**
 * `denier`: answers every check with the configured status (Istio 1.4's default: PERMISSION_DENIED),
 * cacheable for `validDuration` (5 s) and `validUseCount` (1000 requests).
 */
export const denierAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'denier',
  templates: ['checknothing', 'listentry'],
  createHandler(params) {
    const status = (params['status'] ?? {}) as { code?: number; message?: string };
    const result = {
      status: { code: status.code ?? RpcCode.PERMISSION_DENIED, message: status.message ?? 'Denied by denier adapter' },
      validDurationMs: durationParam(params, 'validDuration', 5000),
      validUseCount: numberParam(params, 'validUseCount', 1000),
    };
    return { handleCheck: () => result };
  },
};
