import type { EnvoyConfigObjectPatch, EnvoyFilterSpec } from '../../config/networking.js';
import { enumName } from '../../schemas/networking/common.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings } from './findings.js';
import { checkLabels } from './destination.js';
import { checkRegex } from './string-match.js';

const APPLY_TO = [
  'INVALID', 'LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST',
  'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER',
];
const OPERATIONS = ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE', 'MERGE_AND_REPLACE_LIST'];
const CONTEXTS = ['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY', 'WAYPOINT'];
/** The HTTP connection manager's names, new and 1.4's; a sub-filter match needs one of them. */
const HCM_NAMES = ['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager'];
const LISTENER_CLASS = ['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'LISTENER_FILTER'];
const ROUTE_CLASS = ['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE'];

/** EnvoyFilter: Istio's rules for configPatches, and 1.4's for the deprecated filters. */
export function validateEnvoyFilter(raw: Record<string, unknown>, _ctx: SemanticContext): SemanticFindings {
  const spec = raw as EnvoyFilterSpec;
  const f = new Findings();
  if (spec.workloadSelector && spec.workloadLabels) f.error('spec.workloadLabels', 'set only one of workloadSelector and workloadLabels (deprecated)');
  if (spec.workloadSelector && spec.targetRefs?.length) f.error('spec.targetRefs', 'set only one of workloadSelector and targetRefs');
  checkLabels(f, 'spec.workloadSelector.labels', spec.workloadSelector?.labels);
  checkLabels(f, 'spec.workloadLabels', spec.workloadLabels);
  if (spec.workloadLabels) f.warn('spec.workloadLabels', 'deprecated: use workloadSelector.labels');
  for (const [i, filter] of (spec.filters ?? []).entries()) {
    const at = `spec.filters[${i}]`;
    const index = enumName(['FIRST', 'LAST', 'BEFORE', 'AFTER'], filter.insertPosition?.index);
    if ((index === 'BEFORE' || index === 'AFTER') && !filter.insertPosition?.relativeTo) {
      f.error(`${at}.insertPosition.relativeTo`, `insertPosition ${index} needs relativeTo (the filter to insert next to)`);
    }
    if ((enumName(['INVALID', 'HTTP', 'NETWORK'], filter.filterType) ?? 'INVALID') === 'INVALID') f.error(`${at}.filterType`, 'filterType is required: HTTP or NETWORK');
    if (!filter.filterName) f.error(`${at}.filterName`, 'filterName is required');
    if (!filter.filterConfig) f.error(`${at}.filterConfig`, 'filterConfig is required');
  }
  if (spec.filters?.length) f.warn('spec.filters', 'deprecated: use configPatches');
  for (const [i, cp] of (spec.configPatches ?? []).entries()) checkPatch(f, `spec.configPatches[${i}]`, cp);
  return f.result();
}

function checkPatch(f: Findings, at: string, cp: EnvoyConfigObjectPatch): void {
  const applyTo = enumName(APPLY_TO, cp.applyTo) ?? 'INVALID';
  if (applyTo === 'INVALID') {
    f.error(`${at}.applyTo`, `applyTo is required: one of ${APPLY_TO.slice(1).join(', ')}`);
    return;
  }
  const op = enumName(OPERATIONS, cp.patch?.operation) ?? 'INVALID';
  if (!cp.patch) f.error(`${at}.patch`, 'patch is required');
  else if (op === 'INVALID') f.error(`${at}.patch.operation`, `patch.operation is required: one of ${OPERATIONS.slice(1).join(', ')}`);
  else if (op !== 'REMOVE' && cp.patch.value === undefined) f.error(`${at}.patch.value`, `patch.value is required for operation ${op}`);
  const m = cp.match;
  if (!m) return;
  if (m.proxy?.proxyVersion) f.error(`${at}.match.proxy.proxyVersion`, checkRegex(m.proxy.proxyVersion));
  const context = enumName(CONTEXTS, m.context) ?? 'ANY';
  const objects = (['listener', 'routeConfiguration', 'cluster', 'waypoint'] as const).filter((k) => m[k] !== undefined);
  if (objects.length > 1) f.error(`${at}.match`, `set only one of listener, routeConfiguration, cluster or waypoint; found ${objects.join(', ')}`);
  // Today's rule: waypoint matches go with the WAYPOINT context, and WAYPOINT with nothing else.
  if (m.waypoint !== undefined && context !== 'WAYPOINT') f.error(`${at}.match`, 'a waypoint match needs context WAYPOINT');
  if (context === 'WAYPOINT' && (m.listener || m.routeConfiguration || m.cluster)) f.error(`${at}.match`, 'context WAYPOINT supports only a waypoint match');
  if (m.waypoint?.filter?.subFilter && m.waypoint.filter.name && !HCM_NAMES.includes(m.waypoint.filter.name)) {
    f.error(`${at}.match.waypoint.filter.name`, `a subFilter match needs filter name ${HCM_NAMES[0]}`);
  }
  // The applyTo class and the match object must agree (1.4 rules).
  if (LISTENER_CLASS.includes(applyTo) && (m.routeConfiguration || m.cluster)) f.error(`${at}.match`, `applyTo ${applyTo} needs a listener match`);
  if (ROUTE_CLASS.includes(applyTo) && (m.listener || m.cluster)) f.error(`${at}.match`, `applyTo ${applyTo} needs a routeConfiguration match`);
  if (applyTo === 'CLUSTER' && (m.listener || m.routeConfiguration)) f.error(`${at}.match`, 'applyTo CLUSTER needs a cluster match');
  const filter = m.listener?.filterChain?.filter;
  if (filter) {
    const fp = `${at}.match.listener.filterChain.filter`;
    if (!filter.name) f.error(`${fp}.name`, 'a filter match needs the name of the filter to match');
    else if (filter.subFilter) {
      if (applyTo !== 'HTTP_FILTER') f.error(`${fp}.subFilter`, 'a subFilter match works only with applyTo HTTP_FILTER');
      if (!HCM_NAMES.includes(filter.name)) f.error(`${fp}.name`, `a subFilter match needs filter name ${HCM_NAMES[0]}`);
      if (!filter.subFilter.name) f.error(`${fp}.subFilter.name`, 'a subFilter match needs the name of the HTTP filter to match');
    }
  }
}
