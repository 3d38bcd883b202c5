import type { ConfigResource } from '@mesh/shared-api';
import { arr, obj, str } from '../spec-access.js';

/** One destination a VirtualService sends traffic to, with its field path. */
export interface RouteDestination {
  host: string;
  subset?: string;
  port?: number;
  /** `spec.http[0].route[1].destination` or `spec.http[0].mirror`. */
  field: string;
}

// Config objects are never mutated once in a snapshot, and a stored object keeps its identity
// across snapshots: what is read from one is cached by identity, so each write reads only what changed.
const destinations = new WeakMap<ConfigResource, readonly RouteDestination[]>();
const gateways = new WeakMap<ConfigResource, ReadonlyArray<{ ref: string; field: string }>>();

/** Every destination of a VirtualService: http/tcp/tls routes and http mirrors, in document order. */
export function routeDestinations(vs: ConfigResource): readonly RouteDestination[] {
  let cached = destinations.get(vs);
  if (!cached) destinations.set(vs, (cached = readDestinations(vs)));
  return cached;
}

function readDestinations(vs: ConfigResource): RouteDestination[] {
  const out: RouteDestination[] = [];
  const add = (d: unknown, field: string): void => {
    const dest = obj(d);
    const host = str(dest?.['host']);
    if (!dest || !host) return;
    const port = obj(dest['port'])?.['number'];
    out.push({ host, subset: str(dest['subset']), port: typeof port === 'number' ? port : undefined, field });
  };
  for (const section of ['http', 'tcp', 'tls'] as const) {
    for (const [i, r] of arr(vs.spec[section]).entries()) {
      const route = obj(r);
      for (const [j, rd] of arr(route?.['route']).entries()) add(obj(rd)?.['destination'], `spec.${section}[${i}].route[${j}].destination`);
      if (section === 'http') add(route?.['mirror'], `spec.http[${i}].mirror`);
    }
  }
  return out;
}

/** Every gateway reference of a VirtualService (`spec.gateways` and per-match `gateways`), with field paths. */
export function gatewayRefs(vs: ConfigResource): ReadonlyArray<{ ref: string; field: string }> {
  let cached = gateways.get(vs);
  if (!cached) gateways.set(vs, (cached = readGatewayRefs(vs)));
  return cached;
}

function readGatewayRefs(vs: ConfigResource): Array<{ ref: string; field: string }> {
  const out: Array<{ ref: string; field: string }> = [];
  for (const [i, g] of arr(vs.spec['gateways']).entries()) if (typeof g === 'string') out.push({ ref: g, field: `spec.gateways[${i}]` });
  for (const section of ['http', 'tcp', 'tls'] as const) {
    for (const [i, r] of arr(vs.spec[section]).entries()) {
      for (const [j, m] of arr(obj(r)?.['match']).entries()) {
        for (const [k, g] of arr(obj(m)?.['gateways']).entries()) {
          if (typeof g === 'string') out.push({ ref: g, field: `spec.${section}[${i}].match[${j}].gateways[${k}]` });
        }
      }
    }
  }
  return out;
}

/** True when the VirtualService applies to sidecars: no gateways listed, or `mesh` among them. */
export function appliesToMesh(vs: ConfigResource): boolean {
  const gateways = arr(vs.spec['gateways']);
  return gateways.length === 0 || gateways.includes('mesh');
}
