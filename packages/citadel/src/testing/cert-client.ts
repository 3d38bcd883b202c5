import * as grpc from '@grpc/grpc-js';
import { GrpcServices, loadCitadelPackageDefinition } from '@mesh/shared-api';

/** A test client of IstioCertificateService over TLS (verifying Citadel with `rootCertPem`). */
export type TestCertClient = grpc.Client & {
  CreateCertificate: (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<{ cert_chain: string[] }>) => void;
};

/** Dials Citadel at `address` (`localhost:<port>`). Close it in afterAll. */
export function testCertClient(address: string, rootCertPem: string): TestCertClient {
  const Ctor = grpc.makeGenericClientConstructor(loadCitadelPackageDefinition()[GrpcServices.citadel] as grpc.ServiceDefinition, 'IstioCertificateService');
  return new Ctor(address, grpc.credentials.createSsl(Buffer.from(rootCertPem))) as unknown as TestCertClient;
}

/** One CreateCertificate call with `authorization: Bearer <token>`; resolves with the chain, rejects with the ServiceError. */
export function requestCertificate(client: TestCertClient, req: { csr: string; validity_duration?: number }, token?: string): Promise<string[]> {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client.CreateCertificate(req, md, { deadline: Date.now() + 15_000 }, (err, res) => (err ? reject(err) : resolve(res!.cert_chain)));
  });
}
