import { checkRe2Syntax, describeRe2Error } from '../../regex/re2-syntax.js';
import type { StringMatch } from '../../config/networking.js';
import type { Findings } from './findings.js';

/** Envoy's (and Istio's) limit on a regex's length. */
export const MAX_REGEX_LENGTH = 1024;

/** Rule 21: a regex must be non-empty RE2 of at most 1024 characters; else the reason. */
export function checkRegex(regex: string): string | undefined {
  if (regex.length === 0) return 'regex must not be empty (omit the match to match everything)';
  if (regex.length > MAX_REGEX_LENGTH) return `regex is ${regex.length} characters; at most ${MAX_REGEX_LENGTH} are allowed`;
  const r = checkRe2Syntax(regex);
  return r.ok ? undefined : `regex is not valid RE2: ${describeRe2Error(r.error)}`;
}

/** Rule 21: prefix and regex values must be non-empty, and a regex must be valid RE2. */
export function checkStringMatch(f: Findings, path: string, m: StringMatch): void {
  if (m.prefix !== undefined && m.prefix.length === 0) f.error(`${path}.prefix`, 'prefix must not be empty (omit the match to match everything)');
  if (m.regex !== undefined) f.error(`${path}.regex`, checkRegex(m.regex));
}
