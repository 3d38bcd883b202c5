import { kindByApiVersion, KINDS, splitApiVersion } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';

/** A failure answered by Galley: its HTTP status and Kubernetes `Status` body. */
export class GalleyError extends Error {
  override readonly name = 'GalleyError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: ReadonlyArray<{ field?: string; message?: string }> = [],
  ) {
    super(message);
  }
}

/** What happened to one applied object. */
export interface ApplyOutcome {
  kind: string;
  namespace: string;
  name: string;
  action: 'created' | 'configured' | 'unchanged';
  resourceVersion: string;
  warnings: string[];
}

/** A small client for Galley's Kubernetes-style REST API (the API kubectl also speaks). */
export class GalleyClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
    private readonly timeoutMs = 10000,
  ) {}

  /** Finds a kind by plural, singular, short name or Kind (case-insensitive), as kubectl does. */
  static resolveKind(name: string): KindInfo | undefined {
    const n = name.toLowerCase();
    return KINDS.find((k) => k.plural === n || k.singular === n || k.kind.toLowerCase() === n || k.shortNames.includes(n));
  }

  private path(kind: KindInfo, namespace: string | undefined, name?: string, version = kind.versions[0]!): string {
    const ns = kind.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `/apis/${kind.group}/${version}${ns}/${kind.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; warnings: string[] }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new GalleyError(0, 'Unreachable', `cannot reach Galley at ${this.baseUrl}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { message: text };
    }
    const warnings = parseWarnings(res.headers.get('warning') ?? '');
    if (res.status >= 400) {
      const details = (json['details'] ?? {}) as { causes?: Array<{ field?: string; message?: string }> };
      throw new GalleyError(res.status, String(json['reason'] ?? res.statusText), String(json['message'] ?? `HTTP ${res.status}`), details.causes ?? []);
    }
    return { status: res.status, json, warnings };
  }

  /** Gets one object, or undefined when it does not exist. */
  async get(kind: KindInfo, namespace: string, name: string): Promise<ConfigResource | undefined> {
    try {
      return (await this.request('GET', this.path(kind, namespace, name))).json as unknown as ConfigResource;
    } catch (err) {
      if (err instanceof GalleyError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Lists objects of a kind in a namespace, or in all namespaces when `namespace` is undefined. */
  async list(kind: KindInfo, namespace?: string): Promise<ConfigResource[]> {
    const r = await this.request('GET', this.path(kind, namespace));
    return (r.json['items'] ?? []) as ConfigResource[];
  }

  /** Creates the object, or replaces it when it exists (client-side apply, like `kubectl apply`). */
  async apply(obj: ConfigResource, defaultNamespace = 'default'): Promise<ApplyOutcome> {
    const kind = kindByApiVersion(obj.apiVersion, obj.kind);
    if (!kind) throw new GalleyError(400, 'BadRequest', `unknown kind ${obj.kind} (${obj.apiVersion})`);
    const namespace = obj.metadata?.namespace ?? defaultNamespace;
    const name = obj.metadata?.name;
    const version = splitApiVersion(obj.apiVersion)[1];
    const body = { ...obj, metadata: { ...obj.metadata, namespace } };
    const existing = await this.get(kind, namespace, name);
    const base = { kind: obj.kind, namespace, name };
    if (!existing) {
      const r = await this.request('POST', this.path(kind, namespace, undefined, version), body);
      return { ...base, action: 'created', resourceVersion: String((r.json['metadata'] as { resourceVersion?: string })?.resourceVersion ?? ''), warnings: r.warnings };
    }
    if (JSON.stringify(existing.spec) === JSON.stringify(obj.spec) && JSON.stringify(existing.metadata.labels ?? {}) === JSON.stringify(obj.metadata.labels ?? {})) {
      return { ...base, action: 'unchanged', resourceVersion: existing.metadata.resourceVersion ?? '', warnings: [] };
    }
    body.metadata.resourceVersion = existing.metadata.resourceVersion;
    const r = await this.request('PUT', this.path(kind, namespace, name, version), body);
    return { ...base, action: 'configured', resourceVersion: String((r.json['metadata'] as { resourceVersion?: string })?.resourceVersion ?? ''), warnings: r.warnings };
  }

  /**
   * Asks Galley's analyze endpoint about its stored config (`namespace` undefined: all namespaces),
   * with `documents` analysed as if applied when given (nothing is stored).
   */
  async analyze(namespace: string | undefined, documents?: readonly unknown[]): Promise<Record<string, unknown>> {
    const path = `/apis/galley.mesh.io/v1/analyze${namespace !== undefined ? `?namespace=${encodeURIComponent(namespace)}` : ''}`;
    return (await this.request(documents ? 'POST' : 'GET', path, documents)).json;
  }

  /** Deletes an object; false when it did not exist. */
  async delete(kind: KindInfo, namespace: string, name: string): Promise<boolean> {
    try {
      await this.request('DELETE', this.path(kind, namespace, name));
      return true;
    } catch (err) {
      if (err instanceof GalleyError && err.status === 404) return false;
      throw err;
    }
  }
}

/**
 * The texts of `Warning` headers (`299 - "text"`, several joined by ", "): quoted-string escapes
 * undone, and the UTF-8 bytes Galley sends (read by fetch as latin1) decoded.
 */
export function parseWarnings(header: string): string[] {
  const out: string[] = [];
  for (const m of header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) {
    out.push(Buffer.from(m[1]!.replace(/\\(.)/g, '$1'), 'latin1').toString('utf8'));
  }
  return out;
}
