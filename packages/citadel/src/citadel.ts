import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AdminServer, bindGrpc, createProcessMetrics, Readiness, stopGrpc } from '@mesh/runtime';
import type { Logger, Stoppable } from '@mesh/runtime';
import { GrpcServices, loadCitadelPackageDefinition } from '@mesh/shared-api';
import { readAdminToken } from './auth/admin-token.js';
import { BootstrapTokens } from './auth/bootstrap-tokens.js';
import { loadOrCreateTokenKey } from './auth/token-key-store.js';
import type { Authenticator } from './auth/authenticator.js';
import { KubeTokenAuthenticator } from './auth/token-review.js';
import { CertificateAuthority } from './ca/certificate-authority.js';
import type { CaSource } from './ca/key-store.js';
import { validateCitadelSettings } from './config.js';
import type { CitadelSettings } from './config.js';
import { certificateServiceHandlers } from './grpc/certificate-service.js';
import { HealthService } from './grpc/health-service.js';
import { ServingCertificate } from './grpc/serving-certificate.js';
import { registerBootstrapTokenRoute } from './http/bootstrap-token-route.js';
import { loadCa } from './load-ca.js';
import { createCitadelMetrics } from './metrics.js';
import { TrustBundlePublisher } from './nats/trust-bundle-publisher.js';

/** A running Citadel: where it listens, what it trusts, and how to stop it. */
export interface RunningCitadel extends Stoppable {
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly rootCertPem: string;
  readonly trustDomain: string;
  readonly stateDir: string;
  /** Where the CA key material came from. */
  readonly caSource: CaSource;
  /** How callers may prove their identity: `bootstrap-token`, and `kubernetes-token` with TokenReview. */
  readonly authMethods: readonly string[];
}

/** Host names always in the gRPC server certificate, so local clients can verify it. */
const LOCAL_HOSTS = ['localhost', '127.0.0.1'];

/**
 * Builds and starts Citadel: the CA (plugged-in, or a self-signed root in the state directory or a
 * Kubernetes Secret), bootstrap tokens and Kubernetes TokenReview, the gRPC
 * IstioCertificateService over TLS (+ grpc.health.v1), the admin server with
 * `POST /v1/bootstrap-tokens`, and the trust-bundle publisher on NATS. Start-up fails (and undoes
 * what it started) on invalid settings, unreadable key material or a port in use.
 */
export async function startCitadel(settings: CitadelSettings, logger: Logger): Promise<RunningCitadel> {
  validateCitadelSettings(settings);
  const cleanups: Array<() => Promise<void> | void> = [];
  const undo = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const stateDir = path.resolve(settings.stateDir);
    const caLog = logger.child({ component: 'ca' });
    // Loaded only when used: @kubernetes/client-node alone adds ~0.7 s to start-up.
    const kube = settings.kubeconfig === undefined ? undefined : await (async (where: string) => {
      const { KubeApi, loadKubeConfig } = await import('./kube/kube-api.js');
      return new KubeApi(loadKubeConfig(where), settings.kubeTimeoutMs);
    })(settings.kubeconfig);
    const loaded = await loadCa(settings, kube, caLog);
    const ca = new CertificateAuthority(loaded.keys, { trustDomain: settings.trustDomain, defaultTtlSeconds: settings.defaultTtlS, maxTtlSeconds: settings.maxTtlS });
    const caSource = loaded.source ?? 'self-signed-file';
    caLog.info(
      { source: caSource, stateDir, fingerprint: loaded.fingerprint, rootNotAfter: loaded.notAfter.toISOString(), signingNotAfter: ca.notAfter.toISOString() },
      loaded.created ? 'created a new self-signed root CA' : caSource === 'plugged-in' ? 'loaded the plugged-in CA' : 'loaded the root CA',
    );
    const tokens = new BootstrapTokens({ key: loadOrCreateTokenKey(stateDir, caLog), trustDomain: settings.trustDomain, maxTtlSeconds: settings.bootstrapTokenMaxTtlS });
    const authenticators: Authenticator[] = [tokens];
    if (kube && settings.tokenReview) authenticators.push(new KubeTokenAuthenticator({ reviewer: kube, audiences: settings.tokenAudiences, trustDomain: settings.trustDomain }));
    caLog.info({ methods: authenticators.map((a) => a.method), audiences: kube && settings.tokenReview ? settings.tokenAudiences : undefined }, 'caller authentication');
    const adminToken = settings.adminTokenFile === undefined ? undefined : readAdminToken(settings.adminTokenFile);

    const processMetrics = createProcessMetrics('citadel');
    cleanups.push(() => processMetrics.shutdown());
    const metrics = createCitadelMetrics(processMetrics.meter, { root: () => ca.rootNotAfter, chain: () => ca.notAfter });
    const readiness = new Readiness();
    const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger: logger.child({ component: 'admin' }), metrics: processMetrics, readiness });
    registerBootstrapTokenRoute(admin.app, { tokens, adminToken, trustDomain: settings.trustDomain, defaultTtlSeconds: settings.bootstrapTokenDefaultTtlS, logger: logger.child({ component: 'bootstrap-tokens' }) });
    if (adminToken === undefined) logger.info('POST /v1/bootstrap-tokens is disabled: MESH_CITADEL_ADMIN_TOKEN_FILE is not set');

    const grpcLog = logger.child({ component: 'grpc' });
    const serving = new ServingCertificate({ ca, hosts: [...LOCAL_HOSTS, ...settings.hostnames], logger: grpcLog });
    await serving.start();
    cleanups.push(() => serving.stop());
    const server = new grpc.Server();
    const health = new HealthService([GrpcServices.citadel]);
    server.addService(loadCitadelPackageDefinition()[GrpcServices.citadel] as grpc.ServiceDefinition, certificateServiceHandlers({ ca, authenticators, logger: grpcLog, metrics }));
    health.addTo(server);
    const credentials = grpc.experimental.createCertificateProviderServerCredentials(serving, null, false);
    cleanups.push(() => stopGrpc(server, 0));
    const host = settings.grpcHost.includes(':') ? `[${settings.grpcHost}]` : settings.grpcHost;
    const grpcPort = await bindGrpc(server, `${host}:${settings.grpcPort}`, credentials);
    health.setAll('SERVING');
    grpcLog.info({ port: grpcPort, host: settings.grpcHost, service: GrpcServices.citadel }, 'citadel gRPC (TLS) listening');
    readiness.add('grpc-serving', () => true);

    cleanups.push(() => admin.stop());
    const adminPort = await admin.start();

    const publisher = settings.natsEnabled
      ? new TrustBundlePublisher({ url: settings.natsUrl, connectTimeoutMs: Math.min(settings.natsConnectTimeoutMs, 5000), bundle: () => ca.rootCertPem, logger: logger.child({ component: 'nats' }) })
      : undefined;
    publisher?.start();
    if (!publisher) logger.info('NATS disabled (MESH_CITADEL_NATS_ENABLED=false): the trust bundle is only in root-cert.pem');

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        // Not ready first (load balancers stop sending), then let in-flight calls finish.
        readiness.drain();
        health.setAll('NOT_SERVING');
        health.endWatches();
        await stopGrpc(server, settings.drainMs);
        serving.stop();
        await publisher?.stop();
        await admin.stop();
        await processMetrics.shutdown();
      })());
    return { grpcPort, adminPort, rootCertPem: ca.rootCertPem, trustDomain: ca.trustDomain, stateDir, caSource, authMethods: authenticators.map((a) => a.method), stop };
  } catch (err) {
    await undo();
    throw err;
  }
}
