import type http from 'node:http';
import { callService } from './mesh-call.js';

/** A response the app sends: status and JSON body. */
export interface AppResponse {
  status: number;
  body: unknown;
}

/** What a handler knows about the process it runs in. */
export interface AppContext {
  service: 'booking' | 'inventory' | 'shipping';
  version: string;
  egressProxy: URL;
  upstreamTimeoutMs: number;
}

type Handler = (ctx: AppContext, url: URL, headers: http.IncomingHttpHeaders) => Promise<AppResponse>;

const STOCK: Readonly<Record<string, number>> = { widget: 12, gadget: 0, gizmo: 4 };

/** inventory-service: `GET /api/v1/inventory/<item>`. */
const inventory: Handler = async (ctx, url) => {
  const m = /^\/api\/v1\/inventory\/([a-z0-9-]+)$/.exec(url.pathname);
  if (!m) return { status: 404, body: { error: `no route ${url.pathname}` } };
  const item = m[1]!;
  const count = STOCK[item];
  if (count === undefined) return { status: 404, body: { error: `unknown item ${item}` } };
  return { status: 200, body: { service: 'inventory-service', version: ctx.version, item, inStock: count } };
};

/** shipping-service: `GET /api/v1/shipping/quote`; v2 is the faster carrier being canaried. */
const shipping: Handler = async (ctx, url) => {
  if (url.pathname !== '/api/v1/shipping/quote') return { status: 404, body: { error: `no route ${url.pathname}` } };
  const quote = ctx.version === 'v2' ? { carrier: 'drone', days: 1, price: 9.5 } : { carrier: 'truck', days: 3, price: 4.0 };
  return { status: 200, body: { service: 'shipping-service', version: ctx.version, ...quote } };
};

/** booking-service: `GET /api/v1/booking?item=x` calls inventory and shipping through the mesh. */
const booking: Handler = async (ctx, url, headers) => {
  if (url.pathname !== '/api/v1/booking') return { status: 404, body: { error: `no route ${url.pathname}` } };
  const item = url.searchParams.get('item') ?? 'widget';
  const call = (service: string, path: string) => callService({ proxy: ctx.egressProxy, service, path, inbound: headers, timeoutMs: ctx.upstreamTimeoutMs });
  const [inv, ship] = await Promise.all([call('inventory-service', `/api/v1/inventory/${encodeURIComponent(item)}`), call('shipping-service', '/api/v1/shipping/quote')]);
  const ok = inv.status === 200 && ship.status === 200;
  return {
    status: ok ? 200 : 502,
    body: { service: 'booking-service', version: ctx.version, item, inventory: inv.body, shipping: ship.body, upstreamStatus: { inventory: inv.status, shipping: ship.status } },
  };
};

/** The handler of each service. */
export const HANDLERS: Readonly<Record<AppContext['service'], Handler>> = { booking, inventory, shipping };
