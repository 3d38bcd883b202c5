// Kubernetes name rules (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/).
// They also keep path segments safe as NATS KV key tokens: no '.', '*' or '>' in a namespace.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for a valid namespace name (DNS-1123 label, at most 63 characters). */
export function isNamespaceName(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** True for a valid object name (DNS-1123 subdomain, at most 253 characters). */
export function isObjectName(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}
