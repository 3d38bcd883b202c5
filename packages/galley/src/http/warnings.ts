/** Kubernetes caps one warning at 4 KiB and all warnings of a response at 12 KiB (apiserver `warning` recorder). */
const MAX_WARNING_BYTES = 4 * 1024;
const MAX_TOTAL_BYTES = 12 * 1024;

/**
 * `Warning` header values for admission warnings, as Kubernetes writes them (RFC 7234 section 5.5
 * syntax, k8s.io/apimachinery `NewWarningHeader`): `299 - "<text>"` with `"` and `\` escaped.
 * Control characters become spaces; the text goes out as UTF-8 bytes (Node writes header strings
 * as latin1, so the UTF-8 bytes are passed through as latin1 characters). Duplicates are dropped,
 * long warnings truncated, and the total capped.
 */
export function warningHeaderValues(warnings: readonly string[]): string[] {
  const out: string[] = [];
  let total = 0;
  const unique = [...new Set(warnings)];
  for (const [i, w] of unique.entries()) {
    let utf8 = Buffer.from(w.replace(/[\x00-\x1f\x7f]/g, ' '), 'utf8');
    if (utf8.length > MAX_WARNING_BYTES) utf8 = Buffer.concat([utf8.subarray(0, MAX_WARNING_BYTES - 3), Buffer.from('...')]);
    const text = utf8.toString('latin1').replaceAll('\\', '\\\\').replaceAll('"', '\\"');
    const value = `299 - "${text}"`;
    if (total + value.length > MAX_TOTAL_BYTES) {
      out.push(`299 - "${unique.length - i} more warnings were not sent: the response's warnings exceed ${MAX_TOTAL_BYTES} bytes"`);
      break;
    }
    total += value.length;
    out.push(value);
  }
  return out;
}
