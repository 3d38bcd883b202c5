import http from 'node:http';
import { endpointKey } from '../routing/routing-table.js';
import type { EndpointModel } from '../routing/model.js';

/**
 * Keep-alive connection pools, one `http.Agent` per upstream endpoint (Envoy keeps one pool per
 * host). An agent whose endpoint left every cluster is destroyed once it has no requests in flight,
 * so endpoint churn does not leak sockets.
 */
export class UpstreamPool {
  private readonly agents = new Map<string, http.Agent>();

  /** The agent for an endpoint (created on first use). */
  agentFor(endpoint: EndpointModel): http.Agent {
    const key = endpointKey(endpoint);
    let agent = this.agents.get(key);
    if (!agent) {
      // LIFO reuses the most recently used socket, so idle sockets age out instead of going stale.
      agent = new http.Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: 64 });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Destroys idle agents of endpoints that are no longer in `keep`. */
  prune(keep: ReadonlySet<string>): void {
    for (const [key, agent] of this.agents) {
      if (keep.has(key)) continue;
      const busy = Object.values(agent.sockets).some((s) => (s?.length ?? 0) > 0) || Object.values(agent.requests).some((r) => (r?.length ?? 0) > 0);
      if (busy) continue;
      agent.destroy();
      this.agents.delete(key);
    }
  }

  /** Number of pools (for tests and stats). */
  get size(): number {
    return this.agents.size;
  }

  /** Closes every pooled connection. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
