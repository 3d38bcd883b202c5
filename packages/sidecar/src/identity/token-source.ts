import fs from 'node:fs/promises';

/** How the agent proves its identity: a Kubernetes service-account token, or a bootstrap token Citadel signed. */
export type CredentialKind = 'kubernetes-sa-token' | 'bootstrap-token';

/** Where the agent gets the bearer token for each CreateCertificate call. */
export interface TokenSource {
  readonly kind: CredentialKind;
  /** The token to send now; throws when it cannot be read. */
  token(): Promise<string>;
}

/** A token given once (a bootstrap token passed in code; tests). */
export class StaticTokenSource implements TokenSource {
  constructor(
    private value: string,
    readonly kind: CredentialKind = 'bootstrap-token',
  ) {}

  async token(): Promise<string> {
    return this.value;
  }

  /** Replaces the token for later calls. */
  set(value: string): void {
    this.value = value;
  }
}

/**
 * A token read from a file before every request. The kubelet rewrites projected service-account
 * tokens before they expire (istio-agent re-reads /var/run/secrets/tokens/istio-token the same
 * way), and an operator may replace a bootstrap token file; re-reading costs one small read per
 * rotation.
 */
export class FileTokenSource implements TokenSource {
  constructor(
    readonly path: string,
    readonly kind: CredentialKind,
  ) {}

  async token(): Promise<string> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the ${this.kind === 'kubernetes-sa-token' ? 'service-account token' : 'bootstrap token'} file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    const token = text.trim();
    if (!token) throw new Error(`the token file ${this.path} is empty`);
    return token;
  }
}
