import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Logger } from '@mesh/runtime';
import type * as Koffi from 'koffi';
import { unmapped } from './downstream.js';

/** Where a connection was going before iptables REDIRECT sent it to the sidecar. */
export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
  /**
   * True when the kernel's answer differs from the socket's local address: the connection was
   * redirected (Envoy: the local address was "restored"). False for a connection made to the
   * sidecar's own port, or when the original destination cannot be read.
   */
  readonly restored: boolean;
}

/** Where redirected connections were going; {@link OriginalDestinationReader} asks the kernel, tests fake it. */
export interface OriginalDestinationSource {
  read(socket: Socket): OriginalDestination;
}

/** `SOL_IP`, `SOL_IPV6` and `SO_ORIGINAL_DST` / `IP6T_SO_ORIGINAL_DST` (linux/netfilter_ipv4.h, netfilter_ipv6/ip6_tables.h). */
const SOL_IP = 0;
const SOL_IPV6 = 41;
const SO_ORIGINAL_DST = 80;
/** sizeof(struct sockaddr_in) and sizeof(struct sockaddr_in6). */
const SOCKADDR_IN = 16;
const SOCKADDR_IN6 = 28;
const AF_INET = 2;
const AF_INET6 = 10;

type GetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;

/** How the reader gets at getsockopt; tests replace it. */
export type GetSockOptLoader = () => GetSockOpt;

/** Loads libc's getsockopt through koffi (glibc by name; else the symbols already in the process, as on musl). */
function loadGetSockOpt(): GetSockOpt {
  // Loaded on first use only: a sidecar that never needs an original destination never maps koffi.
  const koffi = createRequire(__filename)('koffi') as typeof Koffi;
  let lib: Koffi.IKoffiLib;
  try {
    lib = koffi.load('libc.so.6');
  } catch {
    lib = koffi.load(null);
  }
  return lib.func('getsockopt', 'int', ['int', 'int', 'int', 'void *', '_Inout_ uint32_t *']) as GetSockOpt;
}

/**
 * Reads the original destination of an accepted connection, as Envoy's `original_dst` listener
 * filter does (https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/original_dst_filter):
 * `getsockopt(fd, SOL_IP, SO_ORIGINAL_DST)` (IPv6: `SOL_IPV6`, `IP6T_SO_ORIGINAL_DST`) answers the
 * address conntrack recorded before NAT. Node has no getsockopt, so libc's is called through koffi,
 * loaded lazily. A connection that was not redirected (no conntrack entry: ENOENT) gets its local
 * address. Off Linux, or when koffi cannot be loaded, every connection gets its local address and
 * the reason is logged once.
 */
export class OriginalDestinationReader implements OriginalDestinationSource {
  private getsockopt: GetSockOpt | undefined;
  private unavailable: string | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly load: GetSockOptLoader = loadGetSockOpt,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  /** Why original destinations cannot be read here (after the first {@link read}), or undefined. */
  get unavailableReason(): string | undefined {
    return this.unavailable;
  }

  /** The connection's original destination; its local address when it was not redirected. */
  read(socket: Socket): OriginalDestination {
    const local = { address: unmapped(socket.localAddress ?? ''), port: socket.localPort ?? 0, restored: false };
    const fn = this.ensure();
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (!fn || typeof fd !== 'number' || fd < 0) return local;
    const v6 = socket.localAddress !== undefined && socket.localAddress.includes(':') && !socket.localAddress.startsWith('::ffff:');
    const buf = Buffer.alloc(v6 ? SOCKADDR_IN6 : SOCKADDR_IN);
    const len = [buf.length];
    if (fn(fd, v6 ? SOL_IPV6 : SOL_IP, SO_ORIGINAL_DST, buf, len) !== 0) return local;
    const found = parseSockaddr(buf.subarray(0, len[0]));
    if (!found) return local;
    return { ...found, restored: found.address !== local.address || found.port !== local.port };
  }

  private ensure(): GetSockOpt | undefined {
    if (this.getsockopt || this.unavailable) return this.getsockopt;
    if (this.platform !== 'linux') this.unavailable = `SO_ORIGINAL_DST exists on Linux only (this is ${this.platform})`;
    else {
      try {
        this.getsockopt = this.load();
      } catch (err) {
        this.unavailable = `cannot call getsockopt through koffi: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    if (this.unavailable) this.logger.warn({ reason: this.unavailable }, 'original destinations of redirected connections cannot be read; using local addresses (redirected connections are routed by Host header only)');
    return this.getsockopt;
  }
}

/** A `sockaddr_in` / `sockaddr_in6` as the kernel wrote it (family in host order, port in network order). */
export function parseSockaddr(b: Buffer): { address: string; port: number } | undefined {
  if (b.length < 2) return undefined;
  const family = b.readUInt16LE(0);
  if (family === AF_INET && b.length >= 8) return { address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port: b.readUInt16BE(2) };
  if (family === AF_INET6 && b.length >= 24) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(8 + 2 * i).toString(16));
    return { address: compressIpv6(groups), port: b.readUInt16BE(2) };
  }
  return undefined;
}

/** RFC 5952 text form: the longest run (2+) of zero groups becomes `::`; IPv4-mapped addresses as IPv4. */
function compressIpv6(groups: string[]): string {
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const hi = parseInt(groups[6]!, 16);
    const lo = parseInt(groups[7]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}
