import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KINDS } from '@mesh/shared-api';

/** A queued "failure" that leaves the request unanswered. */
const STALL = -1;

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

interface HistoryEntry {
  rv: number;
  collection: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface OpenWatch {
  collection: string;
  version: string;
  res: http.ServerResponse;
  timer: NodeJS.Timeout;
}

/**
 * An in-test Kubernetes API server for custom resources, speaking the list/watch protocol
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/): JSON lists with a
 * resourceVersion (and `limit`/`continue` paging), and watches as chunked JSON lines resumed
 * from a resourceVersion. {@link compact} forgets history so older watches get 410 Gone, as
 * etcd compaction does. Used because no real API server can be installed on test machines.
 */
export class FakeKubeApi {
  /** `METHOD path?query` of every request, in order. */
  readonly requests: string[] = [];
  /** How "resourceVersion too old" is answered: an ERROR watch event (the usual case) or HTTP 410. */
  goneAs: 'event' | 'http' = 'event';
  private rv = 100;
  private compactedRv = 0;
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly history: HistoryEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly served = new Map<string, readonly string[]>();
  private readonly failures: number[] = [];
  private readonly stalled = new Set<http.ServerResponse>();
  private stopped = false;

  private constructor(private readonly server: http.Server) {}

  /** Listens on a free loopback port. */
  static async start(): Promise<FakeKubeApi> {
    const holder: { api?: FakeKubeApi } = {};
    const server = http.createServer((req, res) => holder.api!.handle(req, res));
    const api = new FakeKubeApi(server);
    holder.api = api;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** The server's base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (YAML) whose current context is this server. */
  kubeconfig(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: fake, cluster: { server: "${this.url}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: fake, user: { token: fake-token } }]',
      'contexts: [{ name: fake, context: { cluster: fake, user: fake } }]',
      'current-context: fake',
      '',
    ].join('\n');
  }

  /** Limits which versions of a collection exist (404 for others); `[]` means the CRD is not installed. */
  serveVersions(group: string, plural: string, versions: readonly string[]): void {
    this.served.set(`${group}/${plural}`, versions);
  }

  /** Answers the next `count` requests with HTTP `status`. */
  failNext(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push(status);
  }

  /** Leaves the next `count` requests unanswered (until {@link stop}), to exercise client timeouts. */
  stallNext(count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push(STALL);
  }

  /** Creates or replaces an object (its kind must be in shared-api's KINDS); returns it as stored. */
  apply(input: Record<string, unknown>): Obj {
    const { collection, namespace, name } = this.locate(input);
    const items = this.collection(collection);
    const key = `${namespace}/${name}`;
    const existing = items.get(key);
    const obj = structuredClone(input) as Obj;
    const rv = ++this.rv;
    obj.metadata = { ...obj.metadata, resourceVersion: String(rv), uid: existing?.metadata['uid'] ?? `uid-${rv}` };
    if (namespace !== '') obj.metadata['namespace'] = namespace;
    items.set(key, obj);
    this.emit({ rv, collection, type: existing ? 'MODIFIED' : 'ADDED', object: obj });
    return obj;
  }

  /** Deletes an object; false when absent. */
  delete(input: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): boolean {
    const { collection, namespace, name } = this.locate(input);
    const items = this.collection(collection);
    const existing = items.get(`${namespace}/${name}`);
    if (!existing) return false;
    items.delete(`${namespace}/${name}`);
    const rv = ++this.rv;
    this.emit({ rv, collection, type: 'DELETED', object: { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } } });
    return true;
  }

  /** Forgets the change history: watches from an older resourceVersion now get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Ends every open watch with an ERROR 410 event (the server lost the watch's history). */
  expireWatches(): void {
    this.compact();
    for (const w of this.watches) {
      w.res.write(`${JSON.stringify({ type: 'ERROR', object: goneStatus(this.rv) })}\n`);
      this.closeWatch(w);
    }
  }

  /** Ends every open watch normally, as the server does when `timeoutSeconds` expires. */
  endWatches(): void {
    for (const w of this.watches) this.closeWatch(w);
  }

  /** Sends a BOOKMARK at the current resourceVersion to every open watch. */
  bookmark(): void {
    for (const w of this.watches) w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } })}\n`);
  }

  /** Number of watches currently open. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Closes every watch, every connection and the server. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.endWatches();
    for (const res of this.stalled) res.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A client's request still in flight must not keep the server (and the test) open.
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method ?? 'GET'} ${req.url ?? ''}`);
    if (this.stopped) return sendStatus(res, 503, 'shutting down');
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)$/.exec(url.pathname);
    const failure = this.failures.shift();
    if (failure === STALL) {
      this.stalled.add(res);
      return;
    }
    if (failure !== undefined) return sendStatus(res, failure, `injected failure ${failure}`);
    if (req.method !== 'GET' || !m) return sendStatus(res, 404, 'the server could not find the requested resource');
    const [, group, version, namespace, plural] = m as unknown as [string, string, string, string | undefined, string];
    const kind = KINDS.find((k) => k.group === group && k.plural === plural);
    const served = this.served.get(`${group}/${plural}`) ?? kind?.versions ?? [];
    if (!kind || !served.includes(version)) return sendStatus(res, 404, 'the server could not find the requested resource');
    const collection = `${group}/${plural}`;
    if (url.searchParams.get('watch') === 'true') return this.watch(res, collection, version, url.searchParams);
    let items = [...this.collection(collection).values()].filter((o) => namespace === undefined || o.metadata['namespace'] === namespace);
    items.sort((a, b) => String(a.metadata['namespace']).localeCompare(String(b.metadata['namespace'])) || String(a.metadata['name']).localeCompare(String(b.metadata['name'])));
    const offset = Number(url.searchParams.get('continue') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
    const more = limit > 0 && offset + limit < items.length;
    items = page.map((o) => ({ ...o, apiVersion: `${group}/${version}` }));
    send(res, 200, { apiVersion: `${group}/${version}`, kind: `${kind.kind}List`, metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(offset + limit) } : {}) }, items });
  }

  private watch(res: http.ServerResponse, collection: string, version: string, q: URLSearchParams): void {
    const from = Number(q.get('resourceVersion') ?? '0');
    if (from < this.compactedRv) {
      if (this.goneAs === 'http') return sendStatus(res, 410, `too old resource version: ${from} (${this.compactedRv})`, 'Expired');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus(this.compactedRv) })}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    // Like the API server, answer the headers at once: the client's watch starts when they arrive.
    res.flushHeaders();
    const seconds = Number(q.get('timeoutSeconds') ?? '300');
    const w: OpenWatch = { collection, version, res, timer: setTimeout(() => this.closeWatch(w), seconds * 1000) };
    this.watches.add(w);
    res.on('close', () => this.closeWatch(w));
    for (const e of this.history) if (e.collection === collection && e.rv > from) write(w, e);
  }

  private closeWatch(w: OpenWatch): void {
    if (!this.watches.delete(w)) return;
    clearTimeout(w.timer);
    w.res.end();
  }

  private emit(e: HistoryEntry): void {
    this.history.push(e);
    for (const w of this.watches) if (w.collection === e.collection) write(w, e);
  }

  private collection(name: string): Map<string, Obj> {
    let c = this.objects.get(name);
    if (!c) this.objects.set(name, (c = new Map()));
    return c;
  }

  private locate(input: Record<string, unknown>): { collection: string; namespace: string; name: string } {
    const [group] = String(input['apiVersion']).split('/');
    const kind = KINDS.find((k) => k.group === group && k.kind === input['kind']);
    if (!kind) throw new Error(`FakeKubeApi: unknown kind ${String(input['kind'])} (${String(input['apiVersion'])})`);
    const meta = (input['metadata'] ?? {}) as { name?: string; namespace?: string };
    return { collection: `${kind.group}/${kind.plural}`, namespace: kind.namespaced ? (meta.namespace ?? 'default') : '', name: meta.name ?? '' };
  }
}

function write(w: OpenWatch, e: HistoryEntry): void {
  const [group] = w.collection.split('/');
  w.res.write(`${JSON.stringify({ type: e.type, object: { ...e.object, apiVersion: `${group}/${w.version}` } })}\n`);
}

function goneStatus(rv: number): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version (oldest is ${rv})`, reason: 'Expired', code: 410 };
}

function sendStatus(res: http.ServerResponse, code: number, message: string, reason = ''): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
