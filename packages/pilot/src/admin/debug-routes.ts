import type { FastifyInstance } from 'fastify';
import { XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import { decodeResource } from '../xds/decode-resource.js';
import type { DiscoveryService } from '../xds/discovery-service.js';

/**
 * Pilot's debug endpoints (Istio's names) on the admin server:
 * - `GET /debug/syncz`: per connected proxy, per type, the version sent, acked, the last nonce and
 *   the last rejection;
 * - `GET /debug/config_dump?proxyID=<node id>`: that proxy's current resources, decoded.
 */
export function registerDebugRoutes(app: FastifyInstance, discovery: DiscoveryService): void {
  app.get('/debug/syncz', async () => discovery.syncStatus());

  app.get<{ Querystring: { proxyID?: string } }>('/debug/config_dump', async (req, reply) => {
    const proxyId = req.query.proxyID;
    const streams = discovery.connectedStreams();
    if (!proxyId) return reply.code(400).send({ error: 'proxyID query parameter is required', proxies: streams.map((s) => s.proxyId) });
    // The most recent stream of that proxy (an old one may linger until its end is noticed).
    const stream = streams.filter((s) => s.proxyId === proxyId).at(-1);
    if (!stream) return reply.code(404).send({ error: `proxy ${proxyId} is not connected`, proxies: streams.map((s) => s.proxyId) });
    const snapshot = discovery.cache.get(stream.id);
    const versions: Partial<Record<XdsResourceType, string>> = {};
    const resources: Partial<Record<XdsResourceType, Record<string, unknown>[]>> = {};
    for (const type of XDS_PUSH_ORDER) {
      const ts = snapshot?.types[type];
      if (!ts) continue;
      versions[type] = ts.version;
      resources[type] = ts.resources.map(decodeResource);
    }
    return { proxyId, stream: stream.id, versions, resources };
  });
}
