import type { ConfigResource } from '@mesh/shared-api';

/**
 * True when the client asked for `meta.k8s.io/v1` Table output (kubectl's human-readable `get`
 * sends `Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ..., application/json`).
 */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io') && (params.includes('v=v1') || params.includes('v=v1beta1'));
  });
}

/**
 * The Table a custom resource without additionalPrinterColumns gets from Kubernetes: Name and Age
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
 */
export function toTable(items: readonly ConfigResource[], resourceVersion: string | undefined, now: Date, continueToken?: string): Record<string, unknown> {
  const metadata: Record<string, string> = {};
  if (resourceVersion) metadata['resourceVersion'] = resourceVersion;
  if (continueToken) metadata['continue'] = continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is the time the object was created.', priority: 0 },
    ],
    rows: items.map((o) => ({
      cells: [o.metadata.name, o.metadata.creationTimestamp ? humanDuration(now.getTime() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/** Kubernetes' `duration.HumanDuration`: 45s, 5m3s, 3h5m, 4d, 2y30d ... */
export function humanDuration(ms: number): string {
  if (ms < -1000) return '<invalid>';
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  const y = Math.floor(d / 365);
  const withRest = (big: number, unit: string, rest: number, restUnit: string): string => (rest === 0 ? `${big}${unit}` : `${big}${unit}${rest}${restUnit}`);
  if (s < 120) return `${s}s`;
  if (m < 10) return withRest(m, 'm', s % 60, 's');
  if (m < 180) return `${m}m`;
  if (h < 8) return withRest(h, 'h', m % 60, 'm');
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return withRest(d, 'd', h % 24, 'h');
  if (h < 24 * 365 * 2) return `${d}d`;
  if (h < 24 * 365 * 8) return withRest(y, 'y', d % 365, 'd');
  return `${y}y`;
}
