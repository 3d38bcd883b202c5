import fs from 'node:fs';
import type { DownstreamTlsModel } from '../../routing/model.js';
import type { StringMatchModel } from '../../routing/route-model.js';
import type { CertificateSource } from '../../routing/tls-model.js';
import { SDS_SECRETS } from '../../routing/tls-model.js';
import { arr, boolValue, isSet, obj, str } from './fields.js';
import type { Problems } from './fields.js';
import { stringMatch } from './route-match.js';
import { ExtensionTypeUrls, unpackTyped } from './typed-config.js';

const TLS_VERSIONS: Record<string, DownstreamTlsModel['minVersion']> = { TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };

/**
 * A `core.v3.DataSource` as text: inline, or a file read now (Envoy reads files when it loads the
 * configuration, and refuses the configuration when it cannot).
 */
export function dataSource(raw: unknown, at: string, p: Problems): string | undefined {
  const d = obj(raw);
  if (typeof d['inline_string'] === 'string') return d['inline_string'];
  if (d['inline_bytes'] instanceof Uint8Array) return Buffer.from(d['inline_bytes']).toString('utf8');
  if (typeof d['filename'] === 'string' && d['filename']) {
    try {
      return fs.readFileSync(d['filename'], 'utf8');
    } catch (err) {
      p.add(at, `cannot read ${d['filename']}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return undefined;
    }
  }
  if (isSet(raw)) p.add(at, 'a data source needs inline_string, inline_bytes or filename');
  return undefined;
}

/** The SDS secret a `SdsSecretConfig` names; only the agent's secrets are served (Envoy would wait for others forever). */
export function sdsSecretName(raw: unknown, at: string, p: Problems, allowed: readonly string[]): string | undefined {
  const name = str(obj(raw)['name']);
  if (!name) {
    p.add(`${at}name`, 'an SDS secret config needs a name');
    return undefined;
  }
  if (!allowed.includes(name)) {
    p.add(`${at}name`, `SDS secret ${name} is not served by the sidecar's agent (it serves ${allowed.join(', ')})`);
    return undefined;
  }
  return name;
}

/** A `CertificateValidationContext`'s parts the sidecar acts on: a trusted CA and SAN matchers. */
export interface ValidationParts {
  readonly trustedCa?: string;
  readonly rootSecret?: string;
  readonly matchSubjectAltNames: StringMatchModel[];
}

function validationContext(raw: unknown, at: string, p: Problems, sans: StringMatchModel[]): string | undefined {
  const v = obj(raw);
  sans.push(
    ...arr(v['match_subject_alt_names']).map((m, i) => stringMatch(obj(m), `${at}match_subject_alt_names[${i}].`, p)),
    ...arr(v['match_typed_subject_alt_names']).map((m, i) => stringMatch(obj(obj(m)['matcher']), `${at}match_typed_subject_alt_names[${i}].matcher.`, p)),
  );
  return isSet(v['trusted_ca']) ? dataSource(v['trusted_ca'], `${at}trusted_ca`, p) : undefined;
}

/**
 * The validation of a `CommonTlsContext`: `validation_context` (PEM), `validation_context_sds_secret_config`
 * (the agent's `ROOTCA`), or `combined_validation_context` (SAN matchers plus the SDS root, Istio's form).
 */
export function commonValidation(common: Record<string, unknown>, at: string, p: Problems): ValidationParts {
  const sans: StringMatchModel[] = [];
  let trustedCa: string | undefined;
  let rootSecret: string | undefined;
  if (isSet(common['validation_context'])) trustedCa = validationContext(common['validation_context'], `${at}validation_context.`, p, sans);
  if (isSet(common['validation_context_sds_secret_config'])) {
    rootSecret = sdsSecretName(common['validation_context_sds_secret_config'], `${at}validation_context_sds_secret_config.`, p, [SDS_SECRETS.root]);
  }
  if (isSet(common['combined_validation_context'])) {
    const c = obj(common['combined_validation_context']);
    trustedCa = validationContext(c['default_validation_context'], `${at}combined_validation_context.default_validation_context.`, p, sans) ?? trustedCa;
    rootSecret = sdsSecretName(c['validation_context_sds_secret_config'], `${at}combined_validation_context.validation_context_sds_secret_config.`, p, [SDS_SECRETS.root]);
  }
  return { ...(trustedCa ? { trustedCa } : {}), ...(rootSecret ? { rootSecret } : {}), matchSubjectAltNames: sans };
}

/** The certificate of a `CommonTlsContext`: the first `tls_certificates` entry (PEM) or SDS secret (`default`). */
export function commonCertificate(common: Record<string, unknown>, at: string, p: Problems): CertificateSource | undefined {
  const sds = arr(common['tls_certificate_sds_secret_configs']);
  if (sds.length > 0) {
    const name = sdsSecretName(sds[0], `${at}tls_certificate_sds_secret_configs[0].`, p, [SDS_SECRETS.workload]);
    return name ? { kind: 'sds', name } : undefined;
  }
  const certs = arr(common['tls_certificates']);
  if (certs.length === 0) return undefined;
  const cert = obj(certs[0]);
  const certChain = dataSource(cert['certificate_chain'], `${at}tls_certificates[0].certificate_chain`, p) ?? '';
  const privateKey = dataSource(cert['private_key'], `${at}tls_certificates[0].private_key`, p) ?? '';
  return { kind: 'pem', certChain, privateKey };
}

/**
 * Decodes a chain's `transport_socket` (envoy.transport_sockets.tls with a `DownstreamTlsContext`,
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto):
 * certificates inline, from files or from the agent over SDS (`default`), client certificate
 * validation against a trusted CA or the agent's `ROOTCA` and subject alt names, ALPN, protocol
 * versions and ciphers. A `raw_buffer` transport socket means plaintext.
 */
export function downstreamTls(raw: unknown, at: string, p: Problems): DownstreamTlsModel | undefined {
  if (!isSet(raw)) return undefined;
  const ts = obj(raw);
  const typed = unpackTyped(ts['typed_config']);
  if (typed.typeUrl === '' && (str(ts['name']) === 'envoy.transport_sockets.raw_buffer' || str(ts['name']) === 'raw_buffer')) return undefined;
  if (!typed.ok || typed.typeUrl !== ExtensionTypeUrls.DownstreamTlsContext) {
    if (typed.typeUrl.endsWith('RawBuffer')) return undefined;
    p.add(`${at}typed_config`, `transport socket ${typed.typeUrl || str(ts['name']) || '(none)'} is not supported by the sidecar`);
    return undefined;
  }
  const ctx = typed.value;
  const cat = `${at}common_tls_context.`;
  const common = obj(ctx['common_tls_context']);
  const certificate = commonCertificate(common, cat, p);
  if (!certificate) p.add(`${cat}tls_certificates`, 'a TLS server needs a certificate');
  const { trustedCa, rootSecret, matchSubjectAltNames: sans } = commonValidation(common, cat, p);
  const requireClientCertificate = boolValue(ctx['require_client_certificate']) === true;
  if (requireClientCertificate && !trustedCa && !rootSecret) p.add(`${cat}validation_context.trusted_ca`, 'require_client_certificate needs a trusted_ca to verify clients against');
  const params = obj(common['tls_params']);
  const minVersion = TLS_VERSIONS[str(params['tls_minimum_protocol_version'])];
  const maxVersion = TLS_VERSIONS[str(params['tls_maximum_protocol_version'])];
  const ciphers = arr(params['cipher_suites']).map(str).filter((c) => c !== '');
  const sds = { ...(certificate?.kind === 'sds' ? { certificate: certificate.name } : {}), ...(rootSecret ? { validation: rootSecret } : {}) };
  return {
    certChain: certificate?.kind === 'pem' ? certificate.certChain : '',
    privateKey: certificate?.kind === 'pem' ? certificate.privateKey : '',
    requireClientCertificate,
    ...(trustedCa ? { trustedCa } : {}),
    ...(sans.length > 0 ? { matchSubjectAltNames: sans } : {}),
    alpn: arr(common['alpn_protocols']).map(str).filter((a) => a !== ''),
    ...(minVersion ? { minVersion } : {}),
    ...(maxVersion ? { maxVersion } : {}),
    ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
    ...(Object.keys(sds).length > 0 ? { sds } : {}),
  };
}
