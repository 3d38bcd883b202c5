/** Test helpers for Citadel's own tests and end-to-end tests (not for other services' code). */
export { startTestCitadel } from './test-citadel.js';
export type { TestCitadel } from './test-citadel.js';
export { makeTestCsr } from './workload-csr.js';
export type { TestAltName, TestCsrOptions } from './workload-csr.js';
export { openssl, opensslExtensions, opensslVerifyChain } from './openssl.js';
