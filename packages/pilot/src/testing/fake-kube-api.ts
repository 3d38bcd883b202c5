import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Stored {
  object: Record<string, unknown>;
  rv: number;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Record<string, unknown>;
  rv: number;
}

const KINDS: Readonly<Record<string, { apiVersion: string; kind: string }>> = {
  '/api/v1/services': { apiVersion: 'v1', kind: 'Service' },
  '/api/v1/pods': { apiVersion: 'v1', kind: 'Pod' },
  '/apis/discovery.k8s.io/v1/endpointslices': { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
};

/**
 * An in-test HTTP server speaking the Kubernetes list/watch protocol for Services, Pods and
 * EndpointSlices (cluster-wide paths): a list answers the objects with the collection's
 * `resourceVersion`; `?watch=true&resourceVersion=N` streams the later events as JSON lines and
 * stays open; a version older than what it remembers gets `410 Gone` (as an ERROR event), so the
 * client must re-list. No API server can be installed on these machines (DESIGN.md, Test layers).
 */
export class FakeKubeApi {
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly objects = new Map<string, Map<string, Stored>>();
  private readonly events = new Map<string, WatchEvent[]>();
  private readonly watches = new Set<{ path: string; res: http.ServerResponse }>();
  private rv = 100;
  /** Events before this version were compacted away (watching from before it gets 410). */
  private compactedBefore = 0;
  /** Requests served, by `GET <path>[ watch]` (for assertions). */
  readonly requests: string[] = [];

  /** Starts on a free loopback port; returns the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Closes every watch and the server. */
  async stop(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Creates or replaces an object (`metadata.namespace` + `metadata.name`) and notifies watchers. */
  upsert(path: string, object: Record<string, unknown>): void {
    const meta = (object['metadata'] ?? {}) as Record<string, unknown>;
    const key = `${String(meta['namespace'] ?? 'default')}/${String(meta['name'])}`;
    const coll = this.collection(path);
    const rv = ++this.rv;
    const stored = { ...KINDS[path], ...object, metadata: { namespace: 'default', ...meta, resourceVersion: String(rv) } };
    const type = coll.has(key) ? 'MODIFIED' : 'ADDED';
    coll.set(key, { object: stored, rv });
    this.emit(path, { type, object: stored, rv });
  }

  /** Deletes an object and notifies watchers. */
  remove(path: string, namespace: string, name: string): void {
    const coll = this.collection(path);
    const prev = coll.get(`${namespace}/${name}`);
    if (!prev) return;
    coll.delete(`${namespace}/${name}`);
    const rv = ++this.rv;
    const object = { ...prev.object, metadata: { ...(prev.object['metadata'] as object), resourceVersion: String(rv) } };
    this.emit(path, { type: 'DELETED', object, rv });
  }

  /** Ends every open watch from the server side (clients must reconnect). */
  dropWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /** Forgets the event history, so a client resuming from an old version gets 410 Gone. */
  compact(): void {
    this.compactedBefore = this.rv + 1;
    this.events.clear();
  }

  private collection(path: string): Map<string, Stored> {
    let c = this.objects.get(path);
    if (!c) this.objects.set(path, (c = new Map()));
    return c;
  }

  private emit(path: string, e: WatchEvent): void {
    let list = this.events.get(path);
    if (!list) this.events.set(path, (list = []));
    list.push(e);
    for (const w of this.watches) if (w.path === path) w.res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const kind = KINDS[url.pathname];
    const watch = url.searchParams.get('watch') === 'true';
    this.requests.push(`${req.method} ${url.pathname}${watch ? ' watch' : ''}`);
    if (req.method !== 'GET' || !kind) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' }));
      return;
    }
    if (!watch) {
      const items = [...this.collection(url.pathname).values()].map((s) => s.object);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: kind.apiVersion, kind: `${kind.kind}List`, metadata: { resourceVersion: String(this.rv) }, items }));
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // A watch answers at once and streams later: the client waits for the headers.
    res.flushHeaders();
    if (from < this.compactedBefore - 1) {
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
      return;
    }
    for (const e of this.events.get(url.pathname) ?? []) if (e.rv > from) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    const w = { path: url.pathname, res };
    this.watches.add(w);
    req.on('close', () => this.watches.delete(w));
  }
}
