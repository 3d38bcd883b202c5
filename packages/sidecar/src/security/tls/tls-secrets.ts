import tls from 'node:tls';
import type { DownstreamTlsModel } from '../../routing/model.js';
import type { UpstreamTlsModel } from '../../routing/tls-model.js';
import type { WorkloadIdentitySource, WorkloadKeyMaterial } from './identity-source.js';

/** Why no secure context could be built: the agent has no certificate yet (Envoy: the SDS secret is not warm). */
export type SecureContextResult = { readonly ok: true; readonly context: tls.SecureContext } | { readonly ok: false; readonly reason: 'no_certificate' | 'invalid'; readonly message: string };

/**
 * The sidecar's SDS: serves the agent's certificate (`default`) and trust bundle (`ROOTCA`) to the
 * TLS contexts that name them, and builds Node `SecureContext`s from them. Contexts are cached per
 * TLS model and per certificate generation: when the agent rotates, the next handshake (server or
 * client) gets a context with the new certificate, while connections already established keep
 * theirs — the hot swap Envoy does when SDS pushes a new secret.
 */
export class TlsSecrets {
  private generation = 0;
  private material: WorkloadKeyMaterial | undefined;
  private readonly server = new WeakMap<DownstreamTlsModel, { generation: number; result: SecureContextResult }>();
  private readonly client = new WeakMap<UpstreamTlsModel, { generation: number; result: SecureContextResult }>();
  private readonly listeners = new Set<(generation: number) => void>();
  private readonly unsubscribe: () => void;

  constructor(private readonly source: WorkloadIdentitySource | undefined) {
    this.material = source?.current();
    this.unsubscribe = source?.onRotate((m) => this.install(m)) ?? (() => undefined);
  }

  /** Certificates installed so far (0 before the first). */
  get rotations(): number {
    return this.generation;
  }

  /** The identity the sidecar presents (undefined without a certificate). */
  get identity(): string | undefined {
    return this.current()?.identity;
  }

  /** Called after each rotation. */
  onChange(listener: (generation: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the agent. */
  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** The context a server-side TLS chain terminates with (PEM from the config, or the agent's secrets). */
  serverContext(t: DownstreamTlsModel): SecureContextResult {
    return this.cached(this.server, t, () => {
      const own = t.sds?.certificate ? this.current() : undefined;
      if (t.sds?.certificate && !own) return noCertificate(t.sds.certificate);
      const root = t.sds?.validation ? this.current()?.rootCertPem : t.trustedCa;
      if (t.sds?.validation && !root) return noCertificate(t.sds.validation);
      return build({
        cert: own ? own.certChainPem.join('\n') : t.certChain,
        key: own ? own.keyPem : t.privateKey,
        ...(root ? { ca: root } : {}),
        ...(t.minVersion ? { minVersion: t.minVersion } : {}),
        ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
        ...(t.ciphers ? { ciphers: t.ciphers } : {}),
      });
    });
  }

  /** The context an upstream TLS connection is made with. */
  clientContext(t: UpstreamTlsModel): SecureContextResult {
    return this.cached(this.client, t, () => {
      const opts: tls.SecureContextOptions = {};
      const c = t.certificate;
      if (c?.kind === 'sds') {
        const own = this.current();
        if (!own) return noCertificate(c.name);
        opts.cert = own.certChainPem.join('\n');
        opts.key = own.keyPem;
      } else if (c?.kind === 'pem') {
        opts.cert = c.certChain;
        opts.key = c.privateKey;
      }
      const v = t.validation;
      if (v?.kind === 'sds') {
        const own = this.current();
        if (!own) return noCertificate(v.name);
        opts.ca = own.rootCertPem;
      } else if (v?.kind === 'pem') opts.ca = v.trustedCa;
      return build(opts);
    });
  }

  private current(): WorkloadKeyMaterial | undefined {
    // The agent drops an expired certificate; keep following what it holds.
    const now = this.source?.current();
    if (now && now !== this.material) this.install(now);
    return this.material && now ? this.material : undefined;
  }

  private install(m: WorkloadKeyMaterial): void {
    if (m === this.material) return;
    this.material = m;
    this.generation++;
    for (const l of this.listeners) l(this.generation);
  }

  private cached<K extends object>(map: WeakMap<K, { generation: number; result: SecureContextResult }>, key: K, make: () => SecureContextResult): SecureContextResult {
    this.current();
    const hit = map.get(key);
    if (hit && hit.generation === this.generation && hit.result.ok) return hit.result;
    const result = make();
    map.set(key, { generation: this.generation, result });
    return result;
  }
}

function noCertificate(secret: string): SecureContextResult {
  return { ok: false, reason: 'no_certificate', message: `SDS secret ${secret} has no certificate yet (the certificate agent has not obtained one)` };
}

function build(opts: tls.SecureContextOptions): SecureContextResult {
  try {
    return { ok: true, context: tls.createSecureContext(opts) };
  } catch (err) {
    return { ok: false, reason: 'invalid', message: err instanceof Error ? err.message : String(err) };
  }
}
