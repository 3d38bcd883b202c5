/**
 * The Check half of bench/mixer-bench.ts: Check latency on a cache miss as a sidecar experiences
 * it (paired with a floor server and a grpc-js client), the floor server itself, and Mixer's own
 * share in-process. See mixer-bench.ts for the method.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const ROOT = fs.existsSync(path.join(__dirname, '..', 'packages')) ? path.resolve(__dirname, '..') : path.resolve(__dirname, '..', '..');
// Modules resolve from Mixer's package (the bench has no dependencies of its own).
const mixerRequire = createRequire(path.join(ROOT, 'packages', 'mixer', 'package.json'));

/* eslint-disable @typescript-eslint/no-explicit-any -- modules loaded at run time from Mixer's package */
type Any = any;
const sharedApi = (): Any => mixerRequire('@mesh/shared-api');
const grpcJs = (): Any => mixerRequire('@grpc/grpc-js');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  denied: number;
  cacheHits: number;
  load: string;
}

export const loadAvg = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' ');

/** One series of the paired measurement: a name and one Check of a bag (true: allowed). */
interface Caller {
  name: string;
  check(bag: Map<string, unknown>): Promise<boolean>;
  cacheHits(): number;
  close(): Promise<void>;
}

/** The sidecar's own Check client (MixerChecker from packages/sidecar's dist). */
function sidecarCaller(name: string, address: string): Caller {
  const sidecarMixer = createRequire(path.join(ROOT, 'packages', 'sidecar', 'package.json'))(path.join(ROOT, 'packages', 'sidecar', 'dist', 'mixer', 'index.js')) as Any;
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };
  const checker = new sidecarMixer.MixerChecker({ address, logger: quiet, failOpen: false, timeoutMs: 5000 });
  return {
    name,
    check: async (bag) => {
      const d = await checker.check(bag);
      if (checker.stats().mixerUnavailable > 0) throw new Error(`${name}: a Check failed`);
      return d.allow as boolean;
    },
    cacheHits: () => checker.stats().cacheHits as number,
    close: () => checker.stop(),
  };
}

/** A grpc-js client doing what the sidecar's client does per call (the sidecar's client before it used node:http2). */
function grpcJsCaller(name: string, address: string): Caller {
  const grpc = grpcJs();
  const api = sharedApi();
  const Ctor = grpc.makeGenericClientConstructor(api.loadMixerPackageDefinition()[api.GrpcServices.mixer], 'Mixer');
  const client = new Ctor(address, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0, 'grpc.enable_channelz': 0 });
  return {
    name,
    check: (bag) => {
      const req = { attributes: api.encodeAttributes(bag), global_word_count: api.GLOBAL_DICTIONARY.size, deduplication_id: randomUUID(), quotas: {} };
      return new Promise((resolve, reject) => client.Check(req, { deadline: Date.now() + 5000 }, (err: Error | null, res: Any) => (err ? reject(err) : resolve(res.precondition.status.code === 0))));
    },
    cacheHits: () => 0,
    close: async () => client.close(),
  };
}

/**
 * What a sidecar experiences on a cache miss: one call at a time, every bag different (so
 * cacheHits must stay 0), through (1) the sidecar's own Check client (MixerChecker: encode the
 * bag, one Check RPC, decode the referenced attributes, fill its cache) to Mixer, (2) the same
 * client to the floor server (a gRPC server that does nothing), (3) a grpc-js client to Mixer.
 * The three alternate call by call, in rotating order, so that all see the same contention of the
 * shared machine. `offset` keeps bags of different runs apart.
 */
export async function checkLatency(mixerAddress: string, floorAddress: string, n: number, offset: number): Promise<Record<string, Latency>> {
  const callers = [sidecarCaller('mixer', mixerAddress), sidecarCaller('floorNoopGrpcServer', floorAddress), grpcJsCaller('mixerViaGrpcJsClient', mixerAddress)];
  const load0 = loadAvg();
  for (let i = 0; i < 500; i++) for (const c of callers) await c.check(checkBag(offset + n + i)); // warm-up
  const times: number[][] = callers.map(() => []);
  const denied = callers.map(() => 0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < callers.length; k++) {
      const which = (i + k) % callers.length;
      const bag = checkBag(offset + i); // built before the clock starts: the sidecar has it from the request
      const t0 = process.hrtime.bigint();
      const allowed = await callers[which]!.check(bag);
      times[which]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!allowed) denied[which]!++;
    }
  }
  const load = `${load0} → ${loadAvg()}`;
  const out: Record<string, Latency> = {};
  callers.forEach((c, k) => {
    const t = times[k]!.sort((x, y) => x - y);
    out[c.name] = { p50: percentile(t, 50), p90: percentile(t, 90), p99: percentile(t, 99), max: t[t.length - 1]!, denied: denied[k]!, cacheHits: c.cacheHits(), load };
  });
  for (const c of callers) await c.close();
  return out;
}

/**
 * The floor of this machine for one unary gRPC round trip: a grpc-js server in its own process
 * answering every Check at once with a fixed response, called by the same sidecar client.
 */
export async function floorServerMain(): Promise<void> {
  const grpc = grpcJs();
  const api = sharedApi();
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 }); // as Mixer's
  // Valid for no use: the sidecar client caches nothing, every call is a round trip.
  const response = { precondition: { status: { code: 0 }, valid_duration: { seconds: 0 }, valid_use_count: 0, referenced_attributes: { words: [], attribute_matches: [] } }, quotas: {} };
  server.addService(api.loadMixerPackageDefinition()[api.GrpcServices.mixer], { Check: (_c: Any, cb: Any) => cb(null, response), Report: (_c: Any, cb: Any) => cb(null, {}) });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err: Error | null, port: number) => {
    if (err) throw err;
    process.send!(port);
  });
}

function checkBag(i: number): Map<string, unknown> {
  return new Map(Object.entries(checkAttributes(i)));
}

/** Check bags whose attributes all differ (as the sidecar builds them for an inbound request). */
function checkAttributes(i: number): Record<string, unknown> {
  return {
    'context.reporter.kind': 'inbound',
    // Mixer's rules read source.labels["version"] (and the apps): a version of its own per call makes
    // every Check a miss of the sidecar's cache (the whitelist of v1/v2 then denies it: same work).
    'source.labels': { app: 'booking-service', version: `v1.${i}` },
    'source.workload.name': `booking-service-${i}`,
    'destination.labels': { app: 'shipping-service', version: 'v1' },
    'destination.namespace': 'default',
    'destination.service.name': 'shipping-service',
    'request.id': `check-${i}`,
    'request.path': `/api/v1/quote/${i}`,
    'request.method': 'GET',
    'request.headers': { 'x-request-id': `check-${i}`, 'user-agent': 'bench' },
    'request.time': new Date(),
  };
}

/** {@link checkAttributes} as a CheckRequest. */
function checkRequest(i: number): Any {
  const api = sharedApi();
  const bag = checkAttributes(i);
  return { attributes: api.encodeAttributes(bag), global_word_count: api.GLOBAL_DICTIONARY.size, deduplication_id: `d-${i}`, quotas: {} };
}

/**
 * Mixer's own share of a Check: decode the attributes, run the rules and adapters, build the
 * response — in this process, with Mixer's modules and the same config, without gRPC and without
 * waiting to be scheduled (on a loaded machine the client-side figure is mostly scheduling).
 */
export async function checkInProcess(objects: Array<{ value: string }>, n: number): Promise<{ p50: number; p99: number }> {
  const api = sharedApi();
  const mixer = mixerRequire(path.join(ROOT, 'packages', 'mixer', 'dist', 'index.js')) as Any;
  const quiet: Any = { child: () => quiet, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const runtime = new mixer.MixerRuntime({ logger: quiet, adapterPath: [], defaultNamespace: 'istio-system', adapterSettings: {} });
  await runtime.apply(objects.map((o) => JSON.parse(o.value)));
  const policy = mixer.dispatchPolicy(runtime, { validDurationMs: 60000, validUseCount: 10000 });
  const requests = Array.from({ length: n + 500 }, (_, i) => checkRequest(i));
  const times: number[] = [];
  for (let i = 0; i < requests.length; i++) {
    const t0 = process.hrtime.bigint();
    const decoded = api.decodeAttributes(requests[i].attributes, requests[i].global_word_count);
    await policy(decoded.bag, requests[i]);
    if (i >= 500) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await runtime.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
