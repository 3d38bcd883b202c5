import * as grpc from '@grpc/grpc-js';
import { GrpcServices, loadCitadelPackageDefinition } from '@mesh/shared-api';

/** One CreateCertificate call: its result and a way to abandon it. */
export interface PendingCall<T> {
  result: Promise<T>;
  cancel(): void;
}

interface IstioCertificateResponse {
  cert_chain?: string[];
}

type CertificateServiceClient = grpc.Client & {
  CreateCertificate(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<IstioCertificateResponse>): grpc.ClientUnaryCall;
};

let clientConstructor: grpc.ServiceClientConstructor | undefined;

/**
 * A TLS client of `istio.v1.auth.IstioCertificateService`. Citadel's certificate is verified
 * against the given root (host name included), so the bootstrap token is only ever sent to the
 * real Citadel. One channel serves every call; grpc-js reconnects it as needed.
 */
export class CitadelClient {
  private readonly client: CertificateServiceClient;

  constructor(opts: { address: string; rootCertPem: string; tlsServerName?: string }) {
    clientConstructor ??= grpc.makeGenericClientConstructor(loadCitadelPackageDefinition()[GrpcServices.citadel] as grpc.ServiceDefinition, 'IstioCertificateService');
    const options: grpc.ChannelOptions = opts.tlsServerName ? { 'grpc.ssl_target_name_override': opts.tlsServerName, 'grpc.default_authority': opts.tlsServerName } : {};
    this.client = new clientConstructor(opts.address, grpc.credentials.createSsl(Buffer.from(opts.rootCertPem)), options) as unknown as CertificateServiceClient;
  }

  /** Asks Citadel to sign `csrPem`; the result is the chain, leaf first. Fails with a grpc ServiceError. */
  createCertificate(req: { csrPem: string; ttlSeconds?: number; token: string; timeoutMs: number }): PendingCall<string[]> {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${req.token}`);
    let call: grpc.ClientUnaryCall | undefined;
    const result = new Promise<string[]>((resolve, reject) => {
      call = this.client.CreateCertificate({ csr: req.csrPem, validity_duration: req.ttlSeconds ?? 0 }, md, { deadline: Date.now() + req.timeoutMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res?.cert_chain ?? []);
      });
    });
    return { result, cancel: () => call?.cancel() };
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
