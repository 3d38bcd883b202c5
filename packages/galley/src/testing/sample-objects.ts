/** A valid VirtualService routing `host` to one subset (the shape the schemas and rules accept). */
export function sampleVirtualService(name: string, opts: { namespace?: string; labels?: Record<string, string>; subset?: string; host?: string } = {}): Record<string, unknown> {
  const host = opts.host ?? 'shipping';
  const metadata: Record<string, unknown> = { name };
  if (opts.namespace) metadata['namespace'] = opts.namespace;
  if (opts.labels) metadata['labels'] = opts.labels;
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'VirtualService',
    metadata,
    spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: opts.subset ?? 'v1' }, weight: 100 }] }] },
  };
}

/** A valid DestinationRule defining subsets v1 and v2 of `host`. */
export function sampleDestinationRule(name: string, opts: { namespace?: string; host?: string } = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name };
  if (opts.namespace) metadata['namespace'] = opts.namespace;
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'DestinationRule',
    metadata,
    spec: { host: opts.host ?? 'shipping', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
  };
}
