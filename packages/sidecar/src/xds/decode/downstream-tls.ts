import fs from 'node:fs';
import type { DownstreamTlsModel } from '../../routing/model.js';
import type { StringMatchModel } from '../../routing/route-model.js';
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

/**
 * Decodes a chain's `transport_socket` (envoy.transport_sockets.tls with a `DownstreamTlsContext`,
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto):
 * certificates inline or from files, client certificate validation against a trusted CA and
 * subject alt names, ALPN, protocol versions and ciphers. SDS is refused. A `raw_buffer`
 * transport socket means plaintext.
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
  const common = obj(ctx['common_tls_context']);
  if (arr(common['tls_certificate_sds_secret_configs']).length > 0 || isSet(common['validation_context_sds_secret_config']) || isSet(common['combined_validation_context'])) {
    p.add(`${at}common_tls_context`, 'SDS secrets are not supported by the sidecar; give certificates inline or as files');
  }
  const certs = arr(common['tls_certificates']);
  if (certs.length === 0) p.add(`${at}common_tls_context.tls_certificates`, 'a TLS server needs a certificate');
  const cert = obj(certs[0]);
  const certChain = dataSource(cert['certificate_chain'], `${at}common_tls_context.tls_certificates[0].certificate_chain`, p) ?? '';
  const privateKey = dataSource(cert['private_key'], `${at}common_tls_context.tls_certificates[0].private_key`, p) ?? '';
  const validation = obj(common['validation_context']);
  const trustedCa = isSet(validation['trusted_ca']) ? dataSource(validation['trusted_ca'], `${at}common_tls_context.validation_context.trusted_ca`, p) : undefined;
  const sans: StringMatchModel[] = [
    ...arr(validation['match_subject_alt_names']).map((m, i) => stringMatch(obj(m), `${at}common_tls_context.validation_context.match_subject_alt_names[${i}].`, p)),
    ...arr(validation['match_typed_subject_alt_names']).map((m, i) => stringMatch(obj(obj(m)['matcher']), `${at}common_tls_context.validation_context.match_typed_subject_alt_names[${i}].matcher.`, p)),
  ];
  const requireClientCertificate = boolValue(ctx['require_client_certificate']) === true;
  if (requireClientCertificate && !trustedCa) p.add(`${at}common_tls_context.validation_context.trusted_ca`, 'require_client_certificate needs a trusted_ca to verify clients against');
  const params = obj(common['tls_params']);
  const minVersion = TLS_VERSIONS[str(params['tls_minimum_protocol_version'])];
  const maxVersion = TLS_VERSIONS[str(params['tls_maximum_protocol_version'])];
  const ciphers = arr(params['cipher_suites']).map(str).filter((c) => c !== '');
  return {
    certChain,
    privateKey,
    requireClientCertificate,
    ...(trustedCa ? { trustedCa } : {}),
    ...(sans.length > 0 ? { matchSubjectAltNames: sans } : {}),
    alpn: arr(common['alpn_protocols']).map(str).filter((a) => a !== ''),
    ...(minVersion ? { minVersion } : {}),
    ...(maxVersion ? { maxVersion } : {}),
    ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
  };
}
