import type { Destination, Headers } from '../../config/networking.js';
import type { Findings } from './findings.js';
import { key } from './findings.js';
import { checkLabel, checkWildcardDomain, isDns1123Label } from './names.js';
import { checkPort } from './values.js';

/** Rule 9: host is a (wildcard) domain but not `*`; subset a non-empty DNS-1123 label; port 1-65535. */
export function checkDestination(f: Findings, path: string, d: Destination): void {
  if (d.host === '*') f.error(`${path}.host`, 'destination host cannot be "*": name the service (a DNS name)');
  else f.error(`${path}.host`, checkWildcardDomain(d.host));
  if (d.subset !== undefined) {
    if (d.subset.length === 0) f.error(`${path}.subset`, 'subset name cannot be empty (omit subset to use every endpoint)');
    else if (!isDns1123Label(d.subset)) f.error(`${path}.subset`, `subset name "${d.subset}" must be a DNS-1123 label (lower case letters, digits and '-')`);
  }
  const port = d.port;
  if (port?.number !== undefined) f.error(`${path}.port.number`, checkPort(port.number));
  if (port?.name !== undefined && port.number === undefined && !isDns1123Label(port.name)) {
    f.error(`${path}.port.name`, `port name "${port.name}" must be a DNS-1123 label`);
  }
}

/** Rule 10: header names in header operations must be non-empty. */
export function checkHeaderOperations(f: Findings, path: string, headers: Headers | undefined): void {
  for (const dir of ['request', 'response'] as const) {
    const ops = headers?.[dir];
    if (!ops) continue;
    for (const op of ['set', 'add'] as const) {
      for (const name of Object.keys(ops[op] ?? {})) if (name === '') f.error(key(`${path}.${dir}.${op}`, name), 'header name cannot be empty');
    }
    for (const [i, name] of (ops.remove ?? []).entries()) if (name === '') f.error(`${path}.${dir}.remove[${i}]`, 'header name cannot be empty');
  }
}

/** Rule 10 for 1.4's deprecated header fields (maps and lists of header names). */
export function checkLegacyHeaderFields(f: Findings, path: string, obj: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) {
    const v = obj[field];
    if (v === undefined) continue;
    const names = Array.isArray(v) ? (v as string[]) : Object.keys(v as object);
    names.forEach((name, i) => {
      if (name === '') f.error(Array.isArray(v) ? `${path}.${field}[${i}]` : key(`${path}.${field}`, name), 'header name cannot be empty');
    });
    f.warn(`${path}.${field}`, `deprecated; use headers.${field.includes('Response') ? 'response' : 'request'} instead`);
  }
}

/** Labels (subset labels, sourceLabels, endpoint labels) must be valid Kubernetes labels. */
export function checkLabels(f: Findings, path: string, labels: Readonly<Record<string, string>> | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) f.error(key(path, k), checkLabel(k, v));
}
