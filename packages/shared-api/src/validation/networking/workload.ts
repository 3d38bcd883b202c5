import type { ProxyConfigSpec, WorkloadEntrySpec, WorkloadGroupSpec } from '../../config/networking.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings, key } from './findings.js';
import { checkLabels } from './destination.js';
import { checkFqdn, isDns1123Label, isDns1123Subdomain, isIP } from './names.js';
import { checkPort } from './values.js';

/** A workload entry's address, ports and labels (today's rules; WorkloadEntry is newer than 1.4). */
function checkWorkload(f: Findings, path: string, we: WorkloadEntrySpec, addressRequired: boolean): void {
  const addr = we.address ?? '';
  if (addr === '') {
    if (addressRequired && !we.network) f.error(`${path}.address`, 'address is required (an IP, a DNS name or unix://path), unless network is set');
  } else if (addr.startsWith('unix://')) {
    if (addr.length <= 'unix://'.length) f.error(`${path}.address`, 'a unix:// address needs a socket path');
    if (we.ports && Object.keys(we.ports).length > 0) f.error(`${path}.ports`, 'a unix:// workload must not have ports');
  } else if (!isIP(addr) && checkFqdn(addr)) {
    f.error(`${path}.address`, `"${addr}" is not an IP address, a DNS name or a unix:// path`);
  }
  for (const [name, n] of Object.entries(we.ports ?? {})) {
    const p = key(`${path}.ports`, name);
    if (!isDns1123Label(name)) f.error(p, `port name "${name}" must be a DNS-1123 label`);
    f.error(p, checkPort(n));
  }
  checkLabels(f, `${path}.labels`, we.labels);
  if (we.serviceAccount !== undefined && we.serviceAccount !== '' && !isDns1123Subdomain(we.serviceAccount)) {
    f.error(`${path}.serviceAccount`, `service account "${we.serviceAccount}" must be a DNS-1123 subdomain`);
  }
}

/** WorkloadEntry (today's rules). */
export function validateWorkloadEntry(raw: Record<string, unknown>, _ctx: SemanticContext): SemanticFindings {
  const f = new Findings();
  checkWorkload(f, 'spec', raw as WorkloadEntrySpec, true);
  return f.result();
}

/** WorkloadGroup (today's rules): valid metadata, template and probe. */
export function validateWorkloadGroup(raw: Record<string, unknown>, _ctx: SemanticContext): SemanticFindings {
  const spec = raw as WorkloadGroupSpec;
  const f = new Findings();
  checkLabels(f, 'spec.metadata.labels', spec.metadata?.labels);
  checkWorkload(f, 'spec.template', spec.template, false);
  const probe = spec.probe;
  if (probe) {
    const kinds = (['httpGet', 'tcpSocket', 'exec', 'grpc'] as const).filter((k) => probe[k] !== undefined);
    if (kinds.length !== 1) f.error('spec.probe', `a probe needs exactly one of httpGet, tcpSocket, exec or grpc${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`);
    for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
      const v = probe[k];
      if (v !== undefined && v < 0) f.error(`spec.probe.${k}`, `must be >= 0 (it is ${v})`);
    }
    if (probe.exec && probe.exec.command.length === 0) f.error('spec.probe.exec.command', 'an exec probe needs a command');
  }
  return f.result();
}

/** ProxyConfig (today's rules): the selector's labels are valid; the image type is a known one. */
export function validateProxyConfig(raw: Record<string, unknown>, _ctx: SemanticContext): SemanticFindings {
  const spec = raw as ProxyConfigSpec;
  const f = new Findings();
  checkLabels(f, 'spec.selector.matchLabels', spec.selector?.matchLabels);
  const type = spec.image?.imageType;
  if (type !== undefined && !['default', 'debug', 'distroless'].includes(type)) f.error('spec.image.imageType', `imageType "${type}" must be default, debug or distroless`);
  return f.result();
}
