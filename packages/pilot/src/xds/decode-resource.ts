import { messageNameOf, xdsRoot } from '@mesh/shared-api';
import type { AnyMessage } from '@mesh/shared-api';
import { ensureExtensionProtos } from './extension-protos.js';

/**
 * Decodes an encoded resource for humans (config dumps, tests): proto field names, enums as
 * names, 64-bit integers as numbers, and every nested `google.protobuf.Any` expanded into
 * `{ '@type': <type URL>, ...fields }` as Envoy's own config dump shows it.
 */
export function decodeResource(any: AnyMessage): Record<string, unknown> {
  ensureExtensionProtos();
  const type = xdsRoot().lookupType(messageNameOf(any.type_url));
  const obj = type.toObject(type.decode(any.value), { enums: String, longs: Number, defaults: false, oneofs: false });
  return { '@type': any.type_url, ...(expandAny(obj) as Record<string, unknown>) };
}

function expandAny(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expandAny);
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
  const o = v as Record<string, unknown>;
  if (typeof o['type_url'] === 'string' && (o['value'] instanceof Uint8Array || o['value'] === undefined)) {
    const url = o['type_url'];
    try {
      return decodeResource({ type_url: url, value: Buffer.from((o['value'] as Uint8Array | undefined) ?? new Uint8Array()) });
    } catch {
      return { '@type': url };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) out[k] = expandAny(val);
  return out;
}
