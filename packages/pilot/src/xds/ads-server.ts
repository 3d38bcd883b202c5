import * as grpc from '@grpc/grpc-js';
import { bindGrpc, grpcError, stopGrpc } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import { loadAdsPackageDefinition } from '@mesh/shared-api';
import type { DiscoveryService } from './discovery-service.js';
import type { DiscoveryResponse, RawDiscoveryRequest } from './discovery-request.js';
import { normalizeRequest } from './discovery-request.js';
import { checkPeerIdentity } from './peer-identity.js';
import type { XdsStream } from './xds-stream.js';

type AdsCall = grpc.ServerDuplexStream<RawDiscoveryRequest, DiscoveryResponse>;

/** The ADS service definition from Envoy's protos (loaded once per process). */
function adsServiceDefinition(): grpc.ServiceDefinition {
  const pkg = grpc.loadPackageDefinition(loadAdsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: { service: grpc.ServiceDefinition } } } } };
  };
  return pkg.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
}

/**
 * The thin gRPC edge of xDS: `envoy.service.discovery.v3.AggregatedDiscoveryService`, state of the
 * world only. Each call becomes an {@link XdsStream} of the {@link DiscoveryService}; requests are
 * decoded and handed over, responses written back; the stream is forgotten when the call ends.
 */
export class AdsServer {
  readonly server = new grpc.Server({ 'grpc.keepalive_time_ms': 30000, 'grpc.keepalive_timeout_ms': 10000 });
  private readonly calls = new Map<XdsStream, AdsCall>();
  private readonly logger: Logger;
  private boundPort: number | undefined;
  /** The mTLS port, when served. */
  tlsPort: number | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    logger: Logger,
    /** Trust domain of the SPIFFE IDs checked on the mTLS port. */
    private readonly trustDomain = 'cluster.local',
  ) {
    this.logger = logger.child({ component: 'ads-server' });
    this.server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: AdsCall) => this.handle(call),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        call.emit('error', grpcError(grpc.status.UNIMPLEMENTED, 'incremental (delta) xDS is not served; use state-of-the-world ADS'));
      },
    });
  }

  /** Binds `host:port` (0 picks a free port) and returns the bound port. */
  async start(host: string, port: number): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.boundPort = await bindGrpc(this.server, address);
    this.logger.info({ port: this.boundPort, host }, 'xDS (ADS) server listening');
    return this.boundPort;
  }

  /** The bound port (after start). */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Also serves ADS on `host:port` with TLS credentials (Pilot's mTLS port); returns the bound port. */
  async startTls(host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.tlsPort = await bindGrpc(this.server, address, credentials);
    this.logger.info({ port: this.tlsPort, host }, 'xDS (ADS) mTLS server listening');
    return this.tlsPort;
  }

  /** Ends every stream (status OK: clients reconnect elsewhere) and shuts the server down. Idempotent. */
  async stop(graceMs: number): Promise<void> {
    for (const [stream, call] of [...this.calls]) {
      this.forget(stream);
      call.end();
    }
    await stopGrpc(this.server, graceMs);
  }

  private handle(call: AdsCall): void {
    const stream = this.discovery.openStream({
      // Resolves once gRPC took the message (its write callback): the push queue's unit of work.
      send: (response) =>
        new Promise<void>((resolve) => {
          if (!call.writable) return resolve();
          call.write(response, () => resolve());
        }),
      fail: (message) => {
        this.forget(stream);
        call.emit('error', grpcError(grpc.status.INVALID_ARGUMENT, message));
      },
    });
    this.calls.set(stream, call);
    this.logger.debug({ stream: stream.id, peer: call.getPeer() }, 'stream opened');
    // mTLS port: the proxy's certificate; its node metadata must claim that identity.
    const peerSans = call.getAuthContext().sslPeerCertificate?.subjectaltname;
    let identityChecked = false;
    call.on('data', (raw: RawDiscoveryRequest) => {
      try {
        const request = normalizeRequest(raw);
        if (!identityChecked && request.node) {
          identityChecked = true;
          const check = checkPeerIdentity(peerSans, request.node.metadata, this.trustDomain);
          if (!check.ok) {
            this.logger.warn({ stream: stream.id, node: request.node.id, reason: check.message }, 'xDS stream refused: identity mismatch');
            this.forget(stream);
            call.emit('error', grpcError(grpc.status.PERMISSION_DENIED, check.message));
            return;
          }
        }
        stream.handleRequest(request);
      } catch (err) {
        this.logger.error({ err, stream: stream.id }, 'failed to handle a DiscoveryRequest');
      }
    });
    // The client half-closed: nothing more will come; end our side too.
    call.on('end', () => {
      this.forget(stream);
      if (call.writable) call.end();
    });
    call.on('cancelled', () => this.forget(stream));
    call.on('close', () => this.forget(stream));
    call.on('error', (err: unknown) => {
      this.logger.debug({ err, stream: stream.id }, 'stream error');
      this.forget(stream);
    });
  }

  /** Drops a call's stream (idempotent: several events announce the end of one call). */
  private forget(stream: XdsStream): void {
    const known = this.calls.delete(stream);
    this.discovery.closeStream(stream);
    if (known) this.logger.debug({ stream: stream.id }, 'stream closed');
  }
}
