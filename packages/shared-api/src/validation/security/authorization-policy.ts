import type { AuthorizationPolicySpec, AuthzOperation, AuthzRule, AuthzSource } from '../../config/security.js';
import { authorizationPolicySpecSchema } from '../../schemas/security/authorization-policy.js';
import type { SemanticContext, SemanticValidator } from '../semantic.js';
import { conditionKeyProblem, conditionValueProblem } from './authz-attributes.js';
import { at, Findings, ipOrCidrProblem, isPortString, normalize } from './fields.js';
import { checkAttachment, checkSelector, checkSelector14 } from './selectors.js';

/** Source fields that need mTLS peer identity or the connection (so they also apply to TCP traffic). */
const TCP_SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
  'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains',
] as const satisfies ReadonlyArray<keyof AuthzSource>;

const IP_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const satisfies ReadonlyArray<keyof AuthzSource>;
const CUSTOM_FORBIDDEN_SOURCE = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces'] as const;

/** Go's strconv.ParseBool spellings, for the istio.io/dry-run annotation. */
const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Path templates Istio supports are `{*}` and `{**}` only (no named variables, no bare `*` segments). */
const UNSUPPORTED_TEMPLATE = /\/\{\w+=\*[*]?\}|\{\w*\}|\/\*[*]?|\*[*]?\//;

function nonEmpty(list: readonly unknown[] | undefined): boolean {
  return list !== undefined && list.length > 0;
}

function checkSource(src: AuthzSource, path: string, today: boolean, f: Findings): void {
  // Rule 43: an empty source matches nothing the rule can name.
  if (!Object.values(src).some((v) => nonEmpty(v))) {
    if (today) f.error(path, 'must set at least one field; remove the entry to match any source');
    else f.warn(path, 'an empty source matches any source; current Istio rejects it, so remove the entry');
  }
  // Rule 43: serviceAccounts identifies the peer on its own.
  if (nonEmpty(src.serviceAccounts) && (nonEmpty(src.namespaces) || nonEmpty(src.principals))) {
    f.error(at(path, 'serviceAccounts'), 'cannot be combined with namespaces or principals in the same source; use separate from entries');
  }
  for (const field of ['serviceAccounts', 'notServiceAccounts'] as const) {
    src[field]?.forEach((sa, i) => {
      if (!/^([^/*]+\/)?[^/*]+$/.test(sa)) f.error(at(at(path, field), i), `"${sa}" must be "<service account>" or "<namespace>/<service account>", without wildcards`);
    });
  }
  // Rule 43: IPs must be valid (a bad one can never match).
  for (const field of IP_FIELDS) {
    src[field]?.forEach((ip, i) => {
      const problem = ipOrCidrProblem(ip);
      if (problem) f.error(at(at(path, field), i), `${problem}; use an IP address or a CIDR block such as 10.0.0.0/16`);
    });
  }
}

function checkOperation(op: AuthzOperation, path: string, today: boolean, f: Findings): void {
  // Rule 43: an empty operation matches nothing the rule can name.
  if (!Object.values(op).some((v) => nonEmpty(v))) {
    if (today) f.error(path, 'must set at least one field; remove the entry to match any operation');
    else f.warn(path, 'an empty operation matches any request; current Istio rejects it, so remove the entry');
  }
  // Rule 43: ports must be numbers.
  for (const field of ['ports', 'notPorts'] as const) {
    op[field]?.forEach((p, i) => {
      if (!isPortString(p)) f.error(at(at(path, field), i), `"${p}" is not a port number 0-65535`);
    });
  }
  if (today) {
    for (const field of ['paths', 'notPaths'] as const) {
      op[field]?.forEach((p, i) => {
        if ((p.includes('{*}') || p.includes('{**}')) && UNSUPPORTED_TEMPLATE.test(p)) {
          f.error(at(at(path, field), i), `"${p}" is not a supported path template; use {*} for one segment and {**} for the rest`);
        }
      });
    }
  }
}

function checkRule(rule: AuthzRule, path: string, spec: AuthorizationPolicySpec, today: boolean, f: Findings): void {
  const action = spec.action ?? 'ALLOW';
  // Rule 43: `from` / `to` given but empty.
  for (const field of ['from', 'to'] as const) {
    if (rule[field] !== undefined && rule[field].length === 0) {
      if (today) f.error(at(path, field), `must not be empty; remove ${field} to match any ${field === 'from' ? 'source' : 'operation'}`);
      else f.warn(at(path, field), `an empty ${field} matches anything; current Istio rejects it, so remove it`);
    }
  }
  let fromExists = false;
  let tcpInFrom = false;
  rule.from?.forEach((from, i) => {
    const p = at(at(path, 'from'), i);
    if (from.source === undefined) {
      if (today) f.error(at(p, 'source'), 'is required in each from entry');
      else f.warn(at(p, 'source'), 'a from entry without a source matches any source; current Istio rejects it');
      return;
    }
    fromExists = true;
    if (TCP_SOURCE_FIELDS.some((k) => from.source![k] !== undefined)) tcpInFrom = true;
    checkSource(from.source, at(p, 'source'), today, f);
    // Rule 42: CUSTOM cannot use identity fields.
    if (action === 'CUSTOM') {
      for (const k of CUSTOM_FORBIDDEN_SOURCE) if (nonEmpty(from.source[k])) f.error(at(at(p, 'source'), k), 'is not supported with action CUSTOM');
    }
  });
  let toExists = false;
  let tcpInTo = false;
  rule.to?.forEach((to, i) => {
    const p = at(at(path, 'to'), i);
    if (to.operation === undefined) {
      if (today) f.error(at(p, 'operation'), 'is required in each to entry');
      else f.warn(at(p, 'operation'), 'a to entry without an operation matches any request; current Istio rejects it');
      return;
    }
    toExists = true;
    if (to.operation.ports !== undefined || to.operation.notPorts !== undefined) tcpInTo = true;
    checkOperation(to.operation, at(p, 'operation'), today, f);
  });
  rule.when?.forEach((cond, i) => {
    const p = at(at(path, 'when'), i);
    // Rule 41: a condition needs a key, and it must be an attribute authorization understands.
    if (cond.key === '') {
      f.error(at(p, 'key'), 'must name the attribute to match, such as request.headers[x-token]');
      return;
    }
    const keyProblem = conditionKeyProblem(cond.key, today);
    if (keyProblem) f.error(at(p, 'key'), keyProblem);
    // Rule 41 (1.4: at least one value) and rule 43 (today: values or notValues).
    if (!nonEmpty(cond.values) && !nonEmpty(cond.notValues)) f.error(at(p, 'values'), `set at least one value (or notValues) for ${cond.key}`);
    if (!keyProblem) {
      for (const field of ['values', 'notValues'] as const) {
        cond[field]?.forEach((v, j) => {
          const problem = conditionValueProblem(cond.key, v);
          if (problem) f.error(at(at(p, field), j), problem);
        });
      }
    }
    // Rule 42: CUSTOM cannot match on source identity or request authentication.
    if (action === 'CUSTOM' && (cond.key === 'source.namespace' || cond.key === 'source.principal' || cond.key.startsWith('request.auth.'))) {
      f.error(at(p, 'key'), `${cond.key} is not supported with action CUSTOM`);
    }
  });
  // Rule 43: a DENY rule with only HTTP attributes also matches (so denies) every TCP connection.
  if (action === 'DENY' && ((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo))) {
    f.warn(path, 'this DENY rule uses only HTTP attributes, so it denies all TCP traffic to the selected workloads; add ports to scope it');
  }
}

function checkDryRun(spec: AuthorizationPolicySpec, ctx: SemanticContext, f: Findings): void {
  const value = ctx.annotations['istio.io/dry-run'];
  if (value === undefined) return;
  const field = 'metadata.annotations["istio.io/dry-run"]';
  if (!GO_BOOLS.has(value)) f.error(field, `"${value}" is not a boolean; use "true" or "false"`);
  const action = spec.action ?? 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') f.error(field, `dry-run is supported for ALLOW and DENY policies only, not ${action}`);
}

/**
 * AuthorizationPolicy: rule 41 (Istio 1.4) at v1beta1, rules 42-43 (current) for the fields and
 * actions newer than 1.4 at v1beta1 and for everything at v1, where 1.4's destination.* condition
 * keys are no longer accepted.
 */
export const validateAuthorizationPolicy: SemanticValidator = (raw, ctx) => {
  const f = new Findings();
  const spec = normalize<AuthorizationPolicySpec>(raw, authorizationPolicySpecSchema, f);
  const today = ctx.version !== 'v1beta1';
  if (today) checkSelector(spec.selector, 'spec.selector', f);
  else checkSelector14(spec.selector, 'spec.selector', f);
  checkAttachment(spec, ctx.namespace, f);
  checkDryRun(spec, ctx, f);
  const action = spec.action ?? 'ALLOW';
  // Rule 42: DENY and CUSTOM without rules never trigger.
  if ((action === 'DENY' || action === 'CUSTOM') && !nonEmpty(spec.rules)) {
    f.error('spec.rules', `a ${action} policy without rules never matches; add rules (use "- {}" to match every request)`);
  }
  // Rule 42: CUSTOM names its extension provider, and only CUSTOM may.
  if (action === 'CUSTOM' && nonEmpty(spec.rules) && !spec.provider?.name) f.error('spec.provider.name', 'a CUSTOM policy must name its extension provider');
  if (spec.provider !== undefined && action !== 'CUSTOM') f.error('spec.provider', `provider is only allowed with action CUSTOM (action is ${action})`);
  spec.rules?.forEach((rule, i) => checkRule(rule, at('spec.rules', i), spec, today, f));
  return f;
};
