import type { EndpointModel } from './cluster-model.js';
import { hash32 } from './hash.js';

/** `address:port` of an endpoint: the identity hashed onto rings and tables. */
function hostKey(e: EndpointModel): string {
  return `${e.address}:${e.port}`;
}

/**
 * Envoy's ring hash load balancer (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#ring-hash):
 * every host is hashed onto a ring several times (enough for `minimum_ring_size` entries, at most
 * `maximum_ring_size`); a request goes to the first entry at or after its hash, wrapping around.
 */
export class RingHash {
  private readonly hashes: Uint32Array;
  private readonly owners: EndpointModel[];

  constructor(hosts: readonly EndpointModel[], minSize: number, maxSize: number) {
    const n = hosts.length;
    const perHost = n === 0 ? 0 : Math.max(1, Math.ceil(Math.min(Math.max(minSize, n), maxSize) / n));
    const entries: Array<[number, EndpointModel]> = [];
    for (const h of hosts) {
      const key = hostKey(h);
      for (let i = 0; i < perHost; i++) entries.push([hash32(`${key}_${i}`), h]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    this.hashes = Uint32Array.from(entries.map((e) => e[0]));
    this.owners = entries.map((e) => e[1]);
  }

  /** Entries on the ring. */
  get size(): number {
    return this.owners.length;
  }

  /** The host for a hash; `attempt` > 0 walks further along the ring (a retry avoiding a host). */
  pick(hash: number, attempt = 0): EndpointModel | undefined {
    const n = this.owners.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[(lo + attempt) % n];
  }
}

/**
 * Envoy's Maglev load balancer (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#maglev):
 * a lookup table of prime size filled from each host's permutation (offset, skip) in turn, so
 * every host owns an almost equal share and few keys move when hosts change.
 */
export class Maglev {
  private readonly table: Int32Array;

  constructor(
    private readonly hosts: readonly EndpointModel[],
    readonly tableSize: number,
  ) {
    const m = tableSize;
    this.table = new Int32Array(hosts.length === 0 ? 0 : m).fill(-1);
    if (hosts.length === 0) return;
    const offsets = hosts.map((h) => hash32(hostKey(h), 0x9747b28c) % m);
    const skips = hosts.map((h) => (hash32(hostKey(h), 0x5bd1e995) % (m - 1)) + 1);
    const next = new Array<number>(hosts.length).fill(0);
    let filled = 0;
    while (filled < m) {
      for (let i = 0; i < hosts.length && filled < m; i++) {
        let c = (offsets[i]! + next[i]! * skips[i]!) % m;
        while (this.table[c] !== -1) {
          next[i]!++;
          c = (offsets[i]! + next[i]! * skips[i]!) % m;
        }
        this.table[c] = i;
        next[i]!++;
        filled++;
      }
    }
  }

  /** The host for a hash; `attempt` > 0 moves to a following slot (a retry avoiding a host). */
  pick(hash: number, attempt = 0): EndpointModel | undefined {
    if (this.table.length === 0) return undefined;
    return this.hosts[this.table[(hash + attempt) % this.tableSize]!];
  }
}
