import { KINDS } from '@mesh/shared-api';
import { stringify } from 'yaml';
import { sampleDestinationRule, sampleVirtualService } from './sample-objects.js';

/** A seeded PRNG (mulberry32): the same seed gives the same sequence, so a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated request. */
export interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What the generator meant to exercise (printed on failure). */
  label: string;
}

type Rng = () => number;

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rng, max: number): number => Math.floor(r() * max);
const chance = (r: Rng, p: number): boolean => r() < p;

const NAMESPACES = ['fuzz-a', 'fuzz-b', 'default'];
const NAMES = ['a', 'b', 'c', 'shipping', 'x.y', 'default'];
const WEIRD = ['', ' ', '..', '%', '%00', '%2F', 'A', 'UPPER', '-a', 'a-', 'a_b', '*', '>', 'a.b.c', 'ü', '\u0000', '😀', 'a'.repeat(300), '$KV', '../../etc', '~0~1'];
const CONTENT_TYPES = [
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'garbage/',
  '',
];
const SELECTOR_CHARS = ['a', 'b', '=', '==', '!=', '!', ',', '(', ')', ' in ', ' notin ', ' ', '>', '<', '/', '.', '-', 'x'.repeat(70), 'é', '\\', 'metadata.name', 'metadata.namespace', 'spec.x'];

function randomString(r: Rng): string {
  switch (int(r, 6)) {
    case 0:
      return pick(r, WEIRD);
    case 1:
      return Array.from({ length: int(r, 20) }, () => String.fromCharCode(int(r, 0x3000))).join('');
    case 2:
      return 'x'.repeat(chance(r, 0.05) ? 100_000 + int(r, 500_000) : int(r, 300));
    case 3:
      return pick(r, NAMES);
    default:
      return `name-${int(r, 1000)}`;
  }
}

/** A random JSON value: wrong types, deep nesting, huge strings, odd numbers. */
export function randomJson(r: Rng, depth = 0): unknown {
  const k = int(r, depth > 6 ? 6 : 9);
  switch (k) {
    case 0:
      return null;
    case 1:
      return chance(r, 0.5);
    case 2:
      return pick(r, [0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 101, 65536, 4294967296]);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return deepNest(r, 1 + int(r, 150));
    case 6:
    case 7:
      return Array.from({ length: int(r, 5) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(r, 6); i > 0; i--) o[pick(r, ['apiVersion', 'kind', 'metadata', 'spec', 'name', 'hosts', 'http', '__proto__', 'constructor', randomString(r)])] = randomJson(r, depth + 1);
      return o;
    }
  }
}

function deepNest(r: Rng, depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = chance(r, 0.5) ? [v] : { spec: v };
  return v;
}

/** A valid object, then mutated at random: type changes, deleted and unknown fields, odd names. */
export function mutatedObject(r: Rng): Record<string, unknown> {
  const base = structuredClone(chance(r, 0.5) ? sampleVirtualService(pick(r, NAMES)) : sampleDestinationRule(pick(r, NAMES))) as Record<string, unknown>;
  const mutations = chance(r, 0.4) ? 0 : int(r, 4);
  for (let i = 0; i < mutations; i++) {
    const path = pick(r, [['spec'], ['metadata'], ['metadata', 'name'], ['metadata', 'namespace'], ['metadata', 'labels'], ['metadata', 'resourceVersion'], ['kind'], ['apiVersion'], ['spec', 'hosts'], ['spec', 'http'], ['spec', 'host'], ['spec', 'subsets'], ['spec', 'unknownField'], ['status']]);
    let cur = base;
    for (const p of path.slice(0, -1)) {
      if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (chance(r, 0.3)) delete cur[last];
    else cur[last] = chance(r, 0.5) ? randomJson(r) : pick(r, [randomString(r), pick(r, KINDS).kind, 'networking.istio.io/v9', { a: 1 }, [], 'default']);
  }
  return base;
}

function randomYaml(r: Rng): string {
  switch (int(r, 6)) {
    case 0:
      return [stringify(mutatedObject(r)), stringify(mutatedObject(r))].join(pick(r, ['---\n', '\n---\n', '...\n---\n']));
    case 1:
      return 'a: &x [1, 2]\nb: [*x, *x, *x, *x]\nc: *y\n';
    case 2:
      return `!!binary ${Buffer.from('x').toString('base64')}\n---\n!!js/function 'function(){}'\n---\nkey: !!float nan\n`;
    case 3:
      return `${'- '.repeat(int(r, 3000))}x\n`;
    case 4:
      return stringify(mutatedObject(r)).slice(0, int(r, 200));
    default:
      return `${'{'.repeat(int(r, 500))}a: b`;
  }
}

function body(r: Rng, contentType: string): string | Buffer | undefined {
  if (chance(r, 0.08)) return undefined;
  if (chance(r, 0.03)) return Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0x00, 0x7b]);
  if (contentType.includes('yaml') && chance(r, 0.7)) return randomYaml(r);
  switch (int(r, 7)) {
    case 6: {
      // Nesting far deeper than any parser's recursion could follow, built as text.
      const depth = 1 + int(r, chance(r, 0.2) ? 200_000 : 2_000);
      return chance(r, 0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"spec":'.repeat(depth)}1${'}'.repeat(depth)}`;
    }
    case 0:
      return JSON.stringify(randomJson(r));
    case 1:
      return JSON.stringify(mutatedObject(r)).slice(0, chance(r, 0.3) ? int(r, 100) : undefined);
    case 2:
      return JSON.stringify(pick(r, [[{ op: 'test', path: '/spec/hosts/0', value: 'x' }], [{ op: 'add', path: '/spec/hosts/-', value: randomJson(r) }], [{ op: 'move', from: '/spec', path: '/spec/x' }], [{ op: 'remove', path: randomString(r) }], [{ op: randomString(r), path: '/' }], { metadata: { labels: randomJson(r) } }, { spec: randomJson(r) }, { metadata: { resourceVersion: randomString(r) } }]));
    case 3:
      return JSON.stringify(mutatedObject(r));
    case 4:
      return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: int(r, 4) }, () => mutatedObject(r)) });
    default:
      return randomString(r);
  }
}

function segment(r: Rng, valid: readonly string[]): string {
  return chance(r, 0.8) ? pick(r, valid) : encodeURIComponent(randomString(r).slice(0, 400));
}

function query(r: Rng): string {
  const parts: string[] = [];
  const add = (k: string, v: string) => parts.push(`${k}=${encodeURIComponent(v)}`);
  if (chance(r, 0.3)) add('labelSelector', Array.from({ length: int(r, 6) }, () => pick(r, SELECTOR_CHARS)).join(''));
  if (chance(r, 0.2)) add('fieldSelector', Array.from({ length: int(r, 5) }, () => pick(r, SELECTOR_CHARS)).join(''));
  if (chance(r, 0.15)) add('dryRun', pick(r, ['All', 'all', '', 'None', 'All,All']));
  if (chance(r, 0.1)) add('limit', pick(r, ['1', '0', '-1', 'x', '99999999999999999999']));
  if (chance(r, 0.1)) add('continue', pick(r, ['garbage', Buffer.from('{"rv":"1","after":"a/b"}').toString('base64url'), Buffer.from('{}').toString('base64url')]));
  if (chance(r, 0.1)) add('resourceVersion', pick(r, ['0', 'abc', '-5', '1e3', '99999999999999999999']));
  // Never a valid watch: a stream would wait for its timeout. Invalid values must still be refused.
  if (chance(r, 0.1)) add('watch', pick(r, ['maybe', 'yes', '2', 'false', '0', '']));
  if (chance(r, 0.1)) add('fieldValidation', pick(r, ['Strict', 'Warn', 'Ignore', 'Loose', '']));
  if (chance(r, 0.05)) add('timeoutSeconds', pick(r, ['x', '-1']));
  if (chance(r, 0.05)) add('namespace', randomString(r).slice(0, 100));
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/**
 * A nearly valid write: an object of VirtualService or DestinationRule, posted, put or patched at its
 * own path with a fitting media type, then perturbed (so some are stored and some are refused).
 */
function nearlyValidWrite(r: Rng): FuzzRequest {
  const obj = mutatedObject(r);
  const plural = obj['kind'] === 'DestinationRule' ? 'destinationrules' : 'virtualservices';
  const meta = (typeof obj['metadata'] === 'object' && obj['metadata'] !== null ? obj['metadata'] : {}) as Record<string, unknown>;
  const name = typeof meta['name'] === 'string' ? encodeURIComponent(meta['name']) : 'a';
  const ns = typeof meta['namespace'] === 'string' ? encodeURIComponent(meta['namespace']) : pick(r, NAMESPACES);
  const base = `/apis/networking.istio.io/${pick(r, ['v1alpha3', 'v1beta1', 'v1'])}/namespaces/${ns}/${plural}`;
  const q = chance(r, 0.2) ? query(r) : '';
  switch (int(r, 5)) {
    case 0:
      return { method: 'PUT', url: `${base}/${name}${q}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(obj), label: `nearly valid PUT ${base}/${name}` };
    case 1:
      return {
        method: 'PATCH',
        url: `${base}/${name}${q}`,
        headers: { 'content-type': 'application/merge-patch+json' },
        payload: JSON.stringify({ metadata: { labels: { n: String(int(r, 5)) } }, spec: chance(r, 0.5) ? obj['spec'] : undefined }),
        label: `nearly valid PATCH ${base}/${name}`,
      };
    case 2:
      return { method: 'DELETE', url: `${base}/${name}${q}`, headers: {}, label: `DELETE ${base}/${name}` };
    case 3:
      return {
        method: 'POST',
        url: `/apis/galley.mesh.io/v1/apply${q}`,
        headers: { 'content-type': 'application/yaml' },
        payload: Array.from({ length: 1 + int(r, 4) }, () => stringify(chance(r, 0.7) ? { ...mutatedObject(r), metadata: { name: pick(r, NAMES), namespace: pick(r, NAMESPACES) } } : mutatedObject(r))).join('---\n'),
        label: 'nearly valid apply',
      };
    default:
      return { method: 'POST', url: `${base}${q}`, headers: { 'content-type': pick(r, ['application/json', 'application/yaml']) }, payload: chance(r, 0.5) ? JSON.stringify(obj) : stringify(obj), label: `nearly valid POST ${base}` };
  }
}

/** One random request against Galley's API: paths, methods, media types, bodies and queries, mostly wrong. */
export function randomRequest(r: Rng): FuzzRequest {
  if (chance(r, 0.3)) return nearlyValidWrite(r);
  const kind = pick(r, KINDS);
  const group = segment(r, [kind.group]);
  const version = segment(r, kind.versions);
  const plural = segment(r, [kind.plural]);
  const ns = segment(r, NAMESPACES);
  const name = segment(r, NAMES);
  const shape = int(r, 12);
  let url: string;
  let label: string;
  switch (shape) {
    case 0:
      url = pick(r, ['/api', '/api/v1', '/apis', `/apis/${group}`, `/apis/${group}/${version}`, '/version', '/openapi/v3', `/openapi/v3/apis/${group}/${version}`, '/openapi/v2', '/healthz', '/']);
      label = 'discovery';
      break;
    case 1:
      url = '/apis/galley.mesh.io/v1/apply';
      label = 'apply';
      break;
    case 2:
      url = `/${Array.from({ length: 1 + int(r, 8) }, () => encodeURIComponent(randomString(r).slice(0, 50))).join('/')}`;
      label = 'random path';
      break;
    case 3:
      url = `/apis/${group}/${version}/${plural}`;
      label = 'cluster collection';
      break;
    case 4:
      url = `/apis/${group}/${version}/${plural}/${name}`;
      label = 'cluster object';
      break;
    case 5:
    case 6:
      url = `/apis/${group}/${version}/namespaces/${ns}/${plural}`;
      label = 'collection';
      break;
    default:
      url = `/apis/${group}/${version}/namespaces/${ns}/${plural}/${name}${chance(r, 0.05) ? '/status' : ''}`;
      label = 'object';
  }
  const method = pick(r, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'POST', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'] as const);
  const headers: Record<string, string> = {};
  const contentType = pick(r, CONTENT_TYPES);
  if (contentType) headers['content-type'] = contentType;
  if (chance(r, 0.05)) headers['accept'] = pick(r, ['application/json;as=Table;v=v1;g=meta.k8s.io', 'application/yaml', '*/*', 'application/vnd.kubernetes.protobuf']);
  const payload = method === 'GET' || method === 'HEAD' ? undefined : body(r, contentType);
  return { method, url: `${url}${query(r)}`, headers, payload, label: `${label}: ${method} ${url.slice(0, 120)} [${contentType || 'no content-type'}]` };
}
