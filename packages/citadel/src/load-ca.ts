import path from 'node:path';
import type { Logger } from '@mesh/runtime';
import { loadOrCreateSelfSignedCa } from './ca/key-store.js';
import type { LoadedCa } from './ca/key-store.js';
import { loadPluggedCa } from './ca/plugged-ca.js';
import type { CitadelSettings } from './config.js';
import { loadOrCreateCaSecret } from './kube/ca-secret-store.js';
import type { SecretApi } from './kube/kube-api.js';

/**
 * The CA key material, by precedence: a plugged-in CA (MESH_CITADEL_CACERTS_DIR), else the
 * self-signed root in a Kubernetes Secret (MESH_CITADEL_ROOT_STORE=kubernetes), else the
 * self-signed root in the state directory. The self-signed root is created on first start.
 */
export async function loadCa(settings: CitadelSettings, secrets: (SecretApi & { readonly namespace?: string | undefined }) | undefined, logger: Logger): Promise<LoadedCa> {
  if (settings.caCertsDir !== undefined) return loadPluggedCa(path.resolve(settings.caCertsDir), logger);
  if (settings.rootStore === 'kubernetes') {
    if (!secrets) throw new Error('MESH_CITADEL_ROOT_STORE=kubernetes needs MESH_CITADEL_KUBECONFIG');
    return loadOrCreateCaSecret({ api: secrets, namespace: settings.caSecretNamespace ?? secrets.namespace ?? 'istio-system', name: settings.caSecretName, trustDomain: settings.trustDomain, logger });
  }
  return loadOrCreateSelfSignedCa({ stateDir: path.resolve(settings.stateDir), trustDomain: settings.trustDomain, logger });
}
