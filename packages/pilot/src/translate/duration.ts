/** A `google.protobuf.Duration` in object form. */
export interface ProtoDuration {
  seconds: number;
  nanos?: number;
}

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * Parses an Istio duration (Go `time.ParseDuration` syntax as Istio accepts it: `10s`, `1.5s`,
 * `100ms`, `1h30m`) into a proto Duration; undefined when it does not parse or is negative.
 */
export function parseDuration(text: string): ProtoDuration | undefined {
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  if (text === '0') return { seconds: 0 };
  if (text.length === 0) return undefined;
  let total = 0n;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [whole = '0', frac = ''] = m[1]!.split('.');
    const unit = UNIT_NANOS[m[2]!]!;
    const fracDigits = frac.slice(0, 18);
    const fracNanos = fracDigits ? (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length) : 0n;
    total += BigInt(whole || '0') * unit + fracNanos;
    pos = re.lastIndex;
  }
  if (pos !== text.length) return undefined;
  const seconds = Number(total / 1_000_000_000n);
  const nanos = Number(total % 1_000_000_000n);
  return nanos === 0 ? { seconds } : { seconds, nanos };
}
