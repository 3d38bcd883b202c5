import { bool, nonEmpty, portSpec, protoEnum, str, stringMap, strList } from './common.js';

const tlsProtocol = protoEnum('TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3');

/** `ServerTLSSettings` (1.4's `Server.TLSOptions`): TLS a gateway or sidecar ingress terminates. */
export const serverTlsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    httpsRedirect: bool,
    mode: protoEnum('PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'),
    serverCertificate: str,
    privateKey: str,
    caCertificates: str,
    credentialName: str,
    credentialNames: strList,
    tlsCertificates: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { serverCertificate: str, privateKey: str, caCertificates: str } },
    },
    subjectAltNames: strList,
    verifyCertificateSpki: strList,
    verifyCertificateHash: strList,
    minProtocolVersion: tlsProtocol,
    maxProtocolVersion: tlsProtocol,
    cipherSuites: strList,
    caCrl: str,
  },
} as const;

/** `Server`: one port a gateway listens on, with its hosts and TLS. */
export const serverSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: portSpec,
    bind: str,
    hosts: { type: 'array', items: nonEmpty },
    tls: serverTlsSchema,
    defaultEndpoint: str,
    name: str,
  },
} as const;

/** Schema of `Gateway.spec` (networking.istio.io, every served version). */
export const gatewaySpecSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    servers: { type: 'array', items: serverSchema },
    selector: stringMap,
  },
} as const;
