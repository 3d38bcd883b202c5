/**
 * The load process of bench/pilot-scale.ts: simulated sidecars, each on its own gRPC connection
 * and ADS stream, subscribing to CDS, EDS, LDS and RDS, ACKing every response at once and
 * recording when. Responses are not decoded beyond version, type and nonce (a real sidecar's
 * decoding cost is the sidecar's, not Pilot's). Driven by its parent over IPC.
 */
import path from 'node:path';

const pilotDir = path.dirname(require.resolve('@mesh/pilot/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at run time through Pilot's own dependencies
const fromPilot = <T>(id: string): T => require(require.resolve(id, { paths: [pilotDir] })) as T;

interface MethodDef {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(v: object): Buffer;
  requestDeserialize(b: Buffer): object;
  responseSerialize(v: object): Buffer;
  responseDeserialize(b: Buffer): object;
}
interface Duplex {
  write(v: object): boolean;
  on(ev: 'data', cb: (r: Response) => void): void;
  on(ev: 'error' | 'status', cb: (e: unknown) => void): void;
  cancel(): void;
}
interface Grpc {
  makeGenericClientConstructor(def: Record<string, MethodDef>, name: string): new (target: string, creds: unknown, options: object) => { StreamAggregatedResources(): Duplex; close(): void };
  credentials: { createInsecure(): unknown };
}
interface SimProxy {
  id: string;
  ns: string;
  meta: Record<string, unknown>;
}
interface Response {
  version: string;
  typeUrl: string;
  nonce: string;
  count: number;
}

const grpc = fromPilot<Grpc>('@grpc/grpc-js');
const shared = fromPilot<{ loadAdsPackageDefinition(): Record<string, Record<string, MethodDef>>; jsonToStruct(o: object): object }>('@mesh/shared-api');

/** Reads the fields of a DiscoveryResponse the simulation needs, skipping the resources' bytes. */
function parseResponse(buf: Buffer): Response {
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  const out: Response = { version: '', typeUrl: '', nonce: '', count: 0 };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      varint();
      continue;
    }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire}`);
    const len = varint();
    const bytes = buf.subarray(pos, pos + len);
    pos += len;
    if (field === 1) out.version = bytes.toString('utf8');
    else if (field === 2) out.count++;
    else if (field === 4) out.typeUrl = bytes.toString('utf8');
    else if (field === 5) out.nonce = bytes.toString('utf8');
  }
  return out;
}

const TYPES = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'];
const URLS: Record<string, string> = {
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
};
const typeOf = (url: string): string => TYPES.find((t) => URLS[t] === url) ?? url;

const acked: Map<string, number[]>[] = [];
const seenTypes: Set<string>[] = [];
let counts: Record<string, number> = {};
let reconnects = 0;
let stopping = false;
const clients: { close(): void }[] = [];

function open(target: string, proxies: SimProxy[]): Promise<number> {
  const def = shared.loadAdsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService']!;
  const method = def['StreamAggregatedResources']!;
  const Client = grpc.makeGenericClientConstructor({ StreamAggregatedResources: { ...method, responseDeserialize: parseResponse as unknown as (b: Buffer) => object } }, 'Ads');
  const started = Date.now();
  let ready = 0;
  return new Promise((resolve) => {
    const connect = (i: number): void => {
      const p = proxies[i]!;
      acked[i] ??= new Map();
      seenTypes[i] ??= new Set();
      // One connection per proxy, as real sidecars have.
      const client = new Client(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
      clients.push(client);
      const call = client.StreamAggregatedResources();
      let ended = false;
      call.on('data', (r) => {
        const type = typeOf(r.typeUrl);
        call.write({ type_url: r.typeUrl, version_info: r.version, response_nonce: r.nonce, resource_names: [] });
        const now = Date.now();
        let list = acked[i]!.get(type);
        if (!list) acked[i]!.set(type, (list = []));
        list.push(now);
        counts[type] = (counts[type] ?? 0) + 1;
        if (!seenTypes[i]!.has(type)) {
          seenTypes[i]!.add(type);
          if (seenTypes[i]!.size === 4 && ++ready === proxies.length) resolve(Date.now() - started);
        }
      });
      // A sidecar whose stream fails reconnects (after a short back-off), as Envoy does.
      const retry = (e: unknown): void => {
        if (ended || stopping) return;
        if (reconnects < 5) process.stderr.write(`stream ${i} ended: ${String((e as { code?: number; details?: string }).code)} ${String((e as { details?: string }).details ?? e)}\n`);
        ended = true;
        reconnects++;
        client.close();
        setTimeout(() => connect(i), 500);
      };
      call.on('error', retry);
      call.on('status', retry);
      TYPES.forEach((t, k) =>
        call.write({ type_url: URLS[t], version_info: '', response_nonce: '', resource_names: [], ...(k === 0 ? { node: { id: p.id, cluster: 'bench', metadata: shared.jsonToStruct(p.meta), locality: {} } } : {}) }),
      );
    };
    // Connect in waves, as a fleet does after a control-plane restart.
    let next = 0;
    const wave = (): void => {
      for (let k = 0; k < 100 && next < proxies.length; k++) connect(next++);
      if (next < proxies.length) setTimeout(wave, 50);
    };
    wave();
  });
}

process.on('message', (m: { type: string; target?: string; proxies?: SimProxy[]; since?: number; kind?: string }) => {
  const reply = (msg: object): void => void process.send!(msg);
  switch (m.type) {
    case 'start':
      void open(m.target!, m.proxies!).then((ms) => reply({ type: 'synced', ms, reconnects }));
      break;
    case 'acks': {
      const out: { proxy: number; at: number }[] = [];
      acked.forEach((byType, i) => {
        const at = (byType.get(m.kind!) ?? []).find((t) => t >= m.since!);
        if (at !== undefined) out.push({ proxy: i, at });
      });
      reply({ type: 'acks', since: m.since, acks: out });
      break;
    }
    case 'reset-counts':
      counts = {};
      reply({ type: 'counts', counts });
      break;
    case 'counts':
      reply({ type: 'counts', counts, reconnects });
      break;
  }
});

process.on('SIGTERM', () => {
  stopping = true;
  for (const c of clients) c.close();
  // process.exit() skips --cpu-prof output; let the event loop end instead when profiling.
  if (process.execArgv.some((a) => a.startsWith('--cpu-prof'))) process.disconnect();
  else process.exit(0);
});
