import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@mesh/runtime';
import { grpcError } from '@mesh/runtime';
import { MeshError } from '@mesh/shared-api';
import { authenticateCaller, bearerTokenOf } from '../auth/authenticator.js';
import type { Authenticator } from '../auth/authenticator.js';
import { parseWorkloadCsr } from '../ca/csr.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import type { CitadelMetrics, RefusalReason } from '../metrics.js';

/** `istio.v1.auth.IstioCertificateRequest` as proto-loader decodes it (keepCase, int64 as string). */
export interface IstioCertificateRequest {
  csr?: string;
  validity_duration?: string | number;
  metadata?: unknown;
}

/** `istio.v1.auth.IstioCertificateResponse`: the chain, leaf first, root last. */
export interface IstioCertificateResponse {
  cert_chain: string[];
}

/** What the CreateCertificate handler needs. */
export interface CertificateServiceDeps {
  ca: CertificateAuthority;
  authenticators: readonly Authenticator[];
  logger: Logger;
  metrics: CitadelMetrics;
}

/**
 * The IstioCertificateService implementation: authenticate the caller (UNAUTHENTICATED), check the
 * CSR (INVALID_ARGUMENT), authorize — the CSR's one identity must be the one the caller proved
 * (PERMISSION_DENIED) — then sign. Credentials are checked before the CSR is looked at, so an
 * unauthenticated caller learns nothing about CSR validation.
 */
export function certificateServiceHandlers(deps: CertificateServiceDeps): { CreateCertificate: grpc.handleUnaryCall<IstioCertificateRequest, IstioCertificateResponse> } {
  const log = deps.logger;
  const refuse = (cb: grpc.sendUnaryData<IstioCertificateResponse>, reason: RefusalReason, code: grpc.status, message: string): void => {
    deps.metrics.refused(reason);
    cb(grpcError(code, message));
  };

  const createCertificate = async (call: grpc.ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, cb: grpc.sendUnaryData<IstioCertificateResponse>): Promise<void> => {
    deps.metrics.csrReceived();
    const peer = call.getPeer();
    const req = call.request;
    const authorization = call.metadata.get('authorization')[0];
    const auth = await authenticateCaller(deps.authenticators, { bearerToken: bearerTokenOf(typeof authorization === 'string' ? authorization : authorization?.toString()) });
    if (!auth.ok) {
      // Best effort, for the log only: which identity the unauthenticated caller asked for.
      const claimed = parseWorkloadCsr(req.csr ?? '', deps.ca.trustDomain);
      if (auth.reason === 'unavailable') {
        // Not the caller's fault: it retries (UNAVAILABLE), and an operator looks at the API server.
        log.error({ peer, requestedIdentity: claimed.ok ? claimed.identity : undefined, reason: auth.reason, detail: auth.message }, 'CreateCertificate failed: cannot check the caller\'s token');
        return refuse(cb, 'auth_unavailable', grpc.status.UNAVAILABLE, `cannot authenticate the caller right now: ${auth.message}`);
      }
      log.warn({ peer, requestedIdentity: claimed.ok ? claimed.identity : undefined, reason: auth.reason, detail: auth.message }, 'CreateCertificate refused: caller not authenticated');
      return refuse(cb, 'unauthenticated', grpc.status.UNAUTHENTICATED, `authentication failed: ${auth.message}`);
    }
    const csr = parseWorkloadCsr(req.csr ?? '', deps.ca.trustDomain);
    if (!csr.ok) {
      log.warn({ peer, identity: auth.identity, reason: csr.reason, detail: csr.message }, 'CreateCertificate refused: invalid CSR');
      return refuse(cb, 'invalid_csr', grpc.status.INVALID_ARGUMENT, `invalid CSR: ${csr.message}`);
    }
    if (csr.identity !== auth.identity) {
      log.warn({ peer, identity: auth.identity, requestedIdentity: csr.identity, method: auth.method, credentialId: auth.credentialId, reason: 'identity-mismatch' }, 'CreateCertificate refused: identity not proven');
      return refuse(cb, 'permission_denied', grpc.status.PERMISSION_DENIED, `the caller proved identity ${auth.identity} and may not obtain a certificate for ${csr.identity}`);
    }
    const ttl = Number(req.validity_duration ?? 0);
    const signed = deps.ca.issueWorkloadCertificate(csr.identity, csr, Number.isFinite(ttl) ? ttl : Number.NaN);
    if (!signed.ok) {
      log.warn({ peer, identity: auth.identity, reason: signed.reason, detail: signed.message }, 'CreateCertificate refused: invalid request');
      return refuse(cb, 'invalid_request', grpc.status.INVALID_ARGUMENT, signed.message);
    }
    deps.metrics.certificateIssued();
    log.info(
      { peer, identity: signed.identity, serial: signed.serial, notAfter: signed.notAfter.toISOString(), cappedBy: signed.cappedBy, method: auth.method, credentialId: auth.credentialId },
      'issued workload certificate',
    );
    cb(null, { cert_chain: signed.certChainPem });
  };

  return {
    CreateCertificate: (call, cb) => {
      createCertificate(call, cb).catch((err: unknown) => {
        const mesh = err instanceof MeshError ? err : undefined;
        log.error({ err, peer: call.getPeer() }, 'CreateCertificate failed');
        deps.metrics.refused('internal');
        cb(grpcError(mesh ? (mesh.grpcStatus as grpc.status) : grpc.status.INTERNAL, mesh ? mesh.message : 'internal error while signing; see the Citadel log'));
      });
    },
  };
}
