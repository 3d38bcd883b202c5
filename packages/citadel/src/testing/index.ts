/** Test helpers for Citadel's own tests and end-to-end tests (not for other services' code). */
export { startTestCitadel } from './test-citadel.js';
export type { TestCitadel } from './test-citadel.js';
export { makeTestCsr } from './workload-csr.js';
export type { TestAltName, TestCsrOptions } from './workload-csr.js';
export { openssl, opensslExtensions, opensslVerifyChain } from './openssl.js';
export { FakeKubeApiServer } from './fake-kube-api.js';
export type { ServiceAccountTokenOptions } from './fake-kube-api.js';
export { makeCacertsDir } from './cacerts-dir.js';
export type { CacertsOptions } from './cacerts-dir.js';
export { requestCertificate, testCertClient } from './cert-client.js';
export type { TestCertClient } from './cert-client.js';
