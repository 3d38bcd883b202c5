import type { CertificateState, SidecarConfigDump } from './proxy-config.js';

/** A sidecar's admin endpoint could not be read. */
export class SidecarAdminError extends Error {
  override readonly name = 'SidecarAdminError';
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new SidecarAdminError(url, `cannot reach the sidecar admin at ${url}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads one sidecar's admin endpoints (Envoy's names, on its loopback admin port). */
export class SidecarAdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** `/config_dump`: the node and the accepted xDS resources. */
  async configDump(): Promise<SidecarConfigDump> {
    const url = new URL('/config_dump', this.baseUrl).toString();
    const res = await get(url, this.timeoutMs);
    if (!res.ok) throw new SidecarAdminError(url, `${url} answered ${res.status}`);
    return (await res.json()) as SidecarConfigDump;
  }

  /**
   * `/certs`: the workload certificate's state; undefined when the sidecar has no certificate
   * agent (404: no Citadel configured).
   */
  async certs(): Promise<CertificateState | undefined> {
    const url = new URL('/certs', this.baseUrl).toString();
    const res = await get(url, this.timeoutMs);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new SidecarAdminError(url, `${url} answered ${res.status}`);
    return (await res.json()) as CertificateState;
  }

  /** `/stats/prometheus`: the sidecar's metrics in the Prometheus text format. */
  async prometheus(): Promise<string> {
    const url = new URL('/stats/prometheus', this.baseUrl).toString();
    const res = await get(url, this.timeoutMs);
    if (!res.ok) throw new SidecarAdminError(url, `${url} answered ${res.status}`);
    return res.text();
  }
}
