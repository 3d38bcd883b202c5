/** Units of the `grpc-timeout` header (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). */
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The `grpc-timeout` header in milliseconds (at least 1), or undefined when absent or malformed. */
export function grpcTimeoutMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(header.trim());
  if (!m) return undefined;
  return Math.max(1, Math.ceil(Number(m[1]) * UNIT_MS[m[2]!]!));
}
