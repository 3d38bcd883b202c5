import { isIP } from 'node:net';
import type { FieldViolation } from '../../errors.js';
import type { JsonSchema } from '../../schemas/common.js';
import { canonicalFieldName, oneOfFields } from '../../schemas/security/message.js';
import type { SemanticFindings } from '../semantic.js';

/** `spec` + `rules` → `spec.rules`; `spec.rules` + 0 → `spec.rules[0]`; odd keys are quoted: `spec.labels["a.b"]`. */
export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_][\w-]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Collects a validator's errors and warnings; warnings carry their field path in the text. */
export class Findings implements SemanticFindings {
  readonly errors: FieldViolation[] = [];
  readonly warnings: string[] = [];

  /** Records an error at `field`. */
  error(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  /** Records a warning about `field`. */
  warn(field: string, message: string): void {
    this.warnings.push(`${field}: ${message}`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A copy of a schema-valid spec as the semantic rules read it: `null` fields dropped (null means
 * unset, as Kubernetes prunes it and jsonpb decodes it) and proto-named fields (`jwks_uri`) renamed
 * to their JSON names (`jwksUri`). A field given under both names, or two members of one protobuf
 * `oneof`, is an error.
 */
export function normalize<T>(value: unknown, schema: JsonSchema, findings: Findings, path = 'spec'): T {
  return walk(value, schema, findings, path) as T;
}

function walk(value: unknown, schema: JsonSchema | undefined, findings: Findings, path: string): unknown {
  if (schema === undefined || value === null) return value;
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  const items = schema['items'] as JsonSchema | undefined;
  const additional = schema['additionalProperties'];
  if (properties && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null) continue;
      const name = canonicalFieldName(schema, key);
      if (name in out) findings.error(at(path, key), `${key} and ${name} are the same field; set it once`);
      out[name] = walk(v, properties[key], findings, at(path, name));
    }
    const oneOf = oneOfFields(schema);
    const set = oneOf?.filter((k) => k in out) ?? [];
    if (set.length > 1) findings.error(at(path, set[1]!), `set only one of ${oneOf!.join(', ')} (found ${set.join(' and ')})`);
    return out;
  }
  if (items && Array.isArray(value)) return value.map((v, i) => walk(v, items, findings, at(path, i)));
  if (isPlainObject(additional) && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = walk(v, additional, findings, at(path, key));
    return out;
  }
  return value;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Istio 1.4's label check (pkg/config/labels): letters, digits, '-' (either case), at most 63. */
export function isIstioDns1123Label(s: string): boolean {
  return s.length <= 63 && /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(s);
}

/** An IP address (v4 or v6) or a CIDR block; returns the problem, or undefined when valid. */
export function ipOrCidrProblem(s: string): string | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return isIP(s) ? undefined : `"${s}" is not an IP address`;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const family = isIP(addr);
  if (family === 0) return `"${s}" is not a CIDR block (bad address "${addr}")`;
  if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return `"${s}" is not a CIDR block (bad prefix length "${bits}")`;
  return undefined;
}

/** A port written as a decimal string, 0–65535 (AuthorizationPolicy ports; Istio parses them as uint). */
export function isPortString(s: string): boolean {
  return /^[0-9]{1,5}$/.test(s) && Number(s) <= 65535;
}

/** A JWKS URI as Istio's ParseJwksURI accepts it: an http or https URL. Returns the problem or undefined. */
export function jwksUriProblem(uri: string): string | undefined {
  // Go's url.Parse rejects ASCII control characters anywhere in the URL.
  if (/[\u0000-\u001f\u007f]/.test(uri)) return 'must be a URL without control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `URL scheme "${url.protocol.replace(/:$/, '')}" is not supported; use http or https`;
  return undefined;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration string (`1h30m`, `1.5s`) in milliseconds; undefined if it is not one. */
export function durationMs(s: string): number | undefined {
  const re = /([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === s.length && s.length > 0 ? total : undefined;
}

/** Valid HTTP header name for Envoy header operations (Istio's validHeaderRegex). */
export const HEADER_NAME = /^[-_A-Za-z0-9]+$/;
