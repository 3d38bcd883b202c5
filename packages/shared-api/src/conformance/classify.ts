/**
 * How the conformance suite treats each document of the Istio corpus (../shared/conformance/istio):
 * Istio documents are validated; anything else (Kubernetes objects, mesh config, test expectations)
 * is skipped and counted by kind.
 */

import { KNOWN_INVALID, SUPPORTING_VALID } from './known-invalid.js';
import type { KnownInvalid } from './known-invalid.js';

/** What the suite expects of one document. */
export type Expectation =
  | { kind: 'accept'; label: string; supporting?: string }
  | { kind: 'reject'; label: string }
  | { kind: 'known-invalid'; label: string; expect: KnownInvalid }
  | { kind: 'skip'; label: string; reason: string };

/** Files whose every Istio document Istio rejects (its validation test data). */
const INVALID_FILE = /^(validation-1\.4-.*-invalid|validation-crd-latest-.*-invalid)\.yaml$/;

/** Whether every document of `file` must be rejected. */
export function isInvalidFile(file: string): boolean {
  return INVALID_FILE.test(file);
}

/** Istio's API groups: `networking.istio.io`, `security.istio.io`, `config.istio.io` and the rest. */
export function isIstioGroup(apiVersion: string): boolean {
  const slash = apiVersion.lastIndexOf('/');
  return slash > 0 && /(^|\.)istio\.io$/.test(apiVersion.slice(0, slash));
}

/** The expectation for one parsed document of `file`. */
export function classify(file: string, doc: unknown): Expectation {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { kind: 'skip', label: '(not an object)', reason: 'not a Kubernetes object' };
  const o = doc as Record<string, unknown>;
  const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
  const kind = typeof o['kind'] === 'string' ? o['kind'] : '';
  const meta = o['metadata'] as Record<string, unknown> | undefined;
  const name = typeof meta?.['name'] === 'string' ? meta['name'] : '?';
  if (!kind) return { kind: 'skip', label: '(no kind)', reason: 'no apiVersion/kind: mesh config or a test expectation, not a Kubernetes object' };
  if (!isIstioGroup(apiVersion)) return { kind: 'skip', label: `${apiVersion || '(no apiVersion)'} ${kind}`, reason: 'not an Istio kind' };
  const label = `${apiVersion} ${kind}/${name}`;
  const supporting = SUPPORTING_VALID.get(`${file}#${kind}/${name}`);
  if (supporting) return { kind: 'accept', label, supporting };
  if (isInvalidFile(file)) return { kind: 'reject', label };
  const known = KNOWN_INVALID.get(`${file}#${kind}/${name}`);
  return known ? { kind: 'known-invalid', label, expect: known } : { kind: 'accept', label };
}
