/** The sidecar's certificate agent: workload identity from Citadel, rotated in memory. */
export { CertificateAgent } from './certificate-agent.js';
export type { RotationListener } from './certificate-agent.js';
export { checkIssuedChain, splitPemCertificates } from './issued-chain.js';
export type { ChainCheck } from './issued-chain.js';
export type { AgentMeter, CertificateAgentOptions, CertificateAgentState, CertificateSummary, WorkloadCertificate } from './types.js';
export { FileTokenSource, StaticTokenSource } from './token-source.js';
export type { CredentialKind, TokenSource } from './token-source.js';
export { fingerprintsOf, tlsMaterialOf } from './tls-material.js';
export type { TlsMaterial } from './tls-material.js';
export { certificateAgentFromSettings } from './agent-from-settings.js';
export { generateKeyAndCsr } from './workload-key.js';
export type { KeyAndCsr } from './workload-key.js';
export { CERTIFICATE_FILES, CertificateFileWriter, writeCertificateFiles } from './cert-files.js';
export type { CertificateFeed } from './cert-files.js';
