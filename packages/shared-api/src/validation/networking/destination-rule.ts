import type { DestinationRuleSpec } from '../../config/networking.js';
import type { SemanticContext, SemanticFindings } from '../semantic.js';
import { Findings } from './findings.js';
import { checkLabels } from './destination.js';
import { checkWildcardDomain, isDns1123Label } from './names.js';
import { checkTrafficPolicy } from './traffic-policy.js';
import { checkExportTo } from './values.js';

/** DestinationRule: rules 22-28 of VALIDATION-RULES.md. */
export function validateDestinationRule(raw: Record<string, unknown>, ctx: SemanticContext): SemanticFindings {
  const spec = raw as DestinationRuleSpec;
  const f = new Findings();
  // Rule 22.
  f.error('spec.host', checkWildcardDomain(spec.host));
  checkTrafficPolicy(f, 'spec.trafficPolicy', spec.trafficPolicy);
  // Rule 27.
  const names = new Set<string>();
  for (const [i, s] of (spec.subsets ?? []).entries()) {
    const at = `spec.subsets[${i}]`;
    if (!s.name) f.error(`${at}.name`, 'a subset needs a name');
    else if (!isDns1123Label(s.name)) f.error(`${at}.name`, `subset name "${s.name}" must be a DNS-1123 label (lower case letters, digits and '-')`);
    else if (names.has(s.name)) f.warn(`${at}.name`, `subset "${s.name}" is defined twice; routes use the first`);
    names.add(s.name);
    checkLabels(f, `${at}.labels`, s.labels);
    if (!s.labels || Object.keys(s.labels).length === 0) f.warn(`${at}.labels`, `subset "${s.name}" has no labels, so it selects every endpoint of the host`);
    checkTrafficPolicy(f, `${at}.trafficPolicy`, s.trafficPolicy);
  }
  checkLabels(f, 'spec.workloadSelector.matchLabels', spec.workloadSelector?.matchLabels);
  checkExportTo(f, 'spec.exportTo', spec.exportTo, ctx);
  return f.result();
}
