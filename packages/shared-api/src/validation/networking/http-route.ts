import type { HttpRoute } from '../../config/networking.js';
import type { Findings } from './findings.js';
import { key } from './findings.js';
import { checkDestination, checkHeaderOperations, checkLabels, checkLegacyHeaderFields } from './destination.js';
import { checkGatewayRefs } from './gateway-refs.js';
import { checkRegex, checkStringMatch } from './string-match.js';
import { checkDurationAtLeastMs, checkDurationMs, isHttpStatusCode, isWholeSeconds } from './values.js';

/** What an HTTP route needs to know about its VirtualService. */
export interface HttpRouteContext {
  /** The VS applies to sidecars (no gateways, or `mesh` among them): JWT-claim routing is not allowed. */
  readonly appliesToMesh: boolean;
}

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'retriable-4xx', 'refused-stream', 'retriable-status-codes',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);
const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);
const ORIGIN = /^(https?:\/\/)?([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]+)?$/;
const JWT_CLAIM_HEADER = '@request.auth.claims';
const LEGACY_ROUTE_HEADERS = ['appendHeaders', 'appendRequestHeaders', 'removeRequestHeaders', 'appendResponseHeaders', 'removeResponseHeaders'];
const LEGACY_DEST_HEADERS = ['appendRequestHeaders', 'removeRequestHeaders', 'appendResponseHeaders', 'removeResponseHeaders'];

/** Rule 13: a percentage is 0 or within [0.0001, 100]. */
function checkPercentage(f: Findings, path: string, p: { value?: number } | undefined): void {
  const v = p?.value;
  if (v === undefined) return;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) f.error(`${path}.value`, `percentage ${v} must be 0 or within [0.0001, 100]`);
}

/** Rules 7-17 and 21 for one `http[]` route. */
export function checkHttpRoute(f: Findings, path: string, r: HttpRoute, ctx: HttpRouteContext): void {
  checkExclusivity(f, path, r);
  checkMatches(f, path, r, ctx);
  checkRouteDestinations(f, path, r);
  checkHeaderOperations(f, `${path}.headers`, r.headers);
  checkLegacyHeaderFields(f, path, r as Record<string, unknown>, LEGACY_ROUTE_HEADERS);
  if (r.timeout !== undefined) f.error(`${path}.timeout`, checkDurationMs(r.timeout));
  checkRetries(f, `${path}.retries`, r.retries);
  checkFault(f, `${path}.fault`, r.fault);
  checkRedirect(f, path, r);
  checkRewrite(f, `${path}.rewrite`, r.rewrite);
  checkMirrors(f, path, r);
  checkCors(f, `${path}.corsPolicy`, r.corsPolicy);
  if (r.websocketUpgrade !== undefined) f.warn(`${path}.websocketUpgrade`, 'deprecated and ignored: WebSocket upgrades are always allowed');
}

/** Rule 7: route, redirect, directResponse or delegate; redirect and directResponse exclude the others. */
function checkExclusivity(f: Findings, path: string, r: HttpRoute): void {
  const hasRoute = (r.route?.length ?? 0) > 0;
  for (const [name, present] of [['redirect', r.redirect], ['directResponse', r.directResponse]] as const) {
    if (!present) continue;
    if (hasRoute) f.error(`${path}.${name}`, `an HTTP route cannot have both route and ${name}: remove one`);
    if (r.fault) f.error(`${path}.${name}`, `an HTTP route cannot have both fault and ${name}: remove one`);
    if (r.rewrite) f.error(`${path}.${name}`, `an HTTP route cannot have both rewrite and ${name}: remove one`);
  }
  if (r.redirect && r.directResponse) f.error(`${path}.directResponse`, 'an HTTP route cannot have both redirect and directResponse: remove one');
  if ((r.redirect || r.directResponse) && r.websocketUpgrade) f.error(`${path}.websocketUpgrade`, 'WebSocket upgrade is not allowed on a redirect or directResponse route');
  if (r.delegate) {
    if (hasRoute || r.redirect || r.directResponse) f.error(`${path}.delegate`, 'a delegate route cannot also set route, redirect or directResponse');
    if (!r.delegate.name) f.error(`${path}.delegate.name`, 'delegate needs the name of the VirtualService to delegate to');
  }
  if (!hasRoute && !r.redirect && !r.directResponse && !r.delegate) f.error(`${path}.route`, 'an HTTP route needs route (destinations) or redirect');
  if (r.mirror && r.mirrors?.length) f.error(`${path}.mirrors`, 'mirror and mirrors cannot both be set: use mirrors');
}

/** Rules 6, 10, 21: matches. */
function checkMatches(f: Findings, path: string, r: HttpRoute, ctx: HttpRouteContext): void {
  for (const [i, m] of (r.match ?? []).entries()) {
    const at = `${path}.match[${i}]`;
    for (const field of ['uri', 'scheme', 'method', 'authority'] as const) {
      const sm = m[field];
      if (sm) checkStringMatch(f, `${at}.${field}`, sm);
    }
    for (const field of ['headers', 'withoutHeaders', 'queryParams'] as const) {
      for (const [name, sm] of Object.entries(m[field] ?? {})) {
        const p = key(`${at}.${field}`, name);
        if (name === '') f.error(p, `${field === 'queryParams' ? 'query parameter' : 'header'} name cannot be empty`);
        checkStringMatch(f, p, sm);
        if (field !== 'queryParams' && name.startsWith(JWT_CLAIM_HEADER) && ctx.appliesToMesh) {
          f.error(p, 'routing on JWT claims (@request.auth.claims) works only on gateways: bind the VirtualService to a gateway (not mesh)');
        }
      }
    }
    checkLabels(f, `${at}.sourceLabels`, m.sourceLabels);
    checkGatewayRefs(f, `${at}.gateways`, m.gateways);
  }
}

/** Rules 8, 9, 10: destinations and weights (1.4: with 2+ destinations the weights total exactly 100). */
function checkRouteDestinations(f: Findings, path: string, r: HttpRoute): void {
  const dests = r.route ?? [];
  for (const [i, d] of dests.entries()) {
    const at = `${path}.route[${i}]`;
    checkDestination(f, `${at}.destination`, d.destination);
    checkHeaderOperations(f, `${at}.headers`, d.headers);
    checkLegacyHeaderFields(f, at, d as Record<string, unknown>, LEGACY_DEST_HEADERS);
  }
  checkWeights(f, `${path}.route`, dests);
}

/** Rule 8 (1.4): with two or more destinations the weights must total exactly 100. */
export function checkWeights(f: Findings, path: string, dests: readonly { weight?: number }[]): void {
  if (dests.length < 2) return;
  const total = dests.reduce((sum, d) => sum + (d.weight ?? 0), 0);
  if (total !== 100) {
    const weights = dests.map((d) => d.weight ?? 0).join(' + ');
    f.error(path, `the weights of the ${dests.length} destinations must total 100 (they total ${weights} = ${total})`);
  }
}

/** Rules 11, 12: retries. */
function checkRetries(f: Findings, path: string, retries: HttpRoute['retries']): void {
  if (!retries) return;
  const attempts = retries.attempts ?? 0;
  if (attempts < 0) f.error(`${path}.attempts`, 'attempts cannot be negative');
  if (attempts === 0 && (retries.perTryTimeout !== undefined || (retries.retryOn ?? '') !== '')) {
    f.error(`${path}.attempts`, 'retries are disabled (attempts is 0) but perTryTimeout or retryOn is set: set attempts >= 1, or remove them');
  }
  if (retries.perTryTimeout !== undefined) f.error(`${path}.perTryTimeout`, checkDurationMs(retries.perTryTimeout));
  if (retries.backoff !== undefined) f.error(`${path}.backoff`, checkDurationAtLeastMs(retries.backoff));
  if (retries.retryOn) {
    for (const token of retries.retryOn.split(',').map((t) => t.trim())) {
      if (!RETRY_ON.has(token) && !isHttpStatusCode(token)) {
        f.error(`${path}.retryOn`, `"${token}" is not a valid retryOn policy: use an HTTP status code or one of ${[...RETRY_ON].join(', ')}`);
      }
    }
  }
}

/** Rules 12, 13: fault injection. */
function checkFault(f: Findings, path: string, fault: HttpRoute['fault']): void {
  if (!fault) return;
  if (!fault.abort && !fault.delay) f.error(path, 'fault injection needs an abort and/or a delay');
  const { abort, delay } = fault;
  if (abort) {
    checkPercentage(f, `${path}.abort.percentage`, abort.percentage);
    if (abort.grpcStatus !== undefined) f.error(`${path}.abort.grpcStatus`, 'gRPC abort fault injection is not supported: use httpStatus');
    if (abort.http2Error !== undefined) f.error(`${path}.abort.http2Error`, 'HTTP/2 abort fault injection is not supported: use httpStatus');
    if (abort.httpStatus !== undefined && (abort.httpStatus < 200 || abort.httpStatus > 600)) {
      f.error(`${path}.abort.httpStatus`, `HTTP status ${abort.httpStatus} must be within 200-600`);
    }
    if (abort.httpStatus === undefined && abort.grpcStatus === undefined && abort.http2Error === undefined) {
      f.warn(`${path}.abort`, 'abort sets no httpStatus, so no request is aborted');
    }
    if (abort.percent !== undefined) f.warn(`${path}.abort.percent`, 'deprecated: use percentage.value');
  }
  if (delay) {
    checkPercentage(f, `${path}.delay.percentage`, delay.percentage);
    if (delay.fixedDelay !== undefined) f.error(`${path}.delay.fixedDelay`, checkDurationMs(delay.fixedDelay));
    if (delay.exponentialDelay !== undefined) f.error(`${path}.delay.exponentialDelay`, 'exponentialDelay is not supported: use fixedDelay');
    if (delay.fixedDelay === undefined && delay.exponentialDelay === undefined) f.warn(`${path}.delay`, 'delay sets no fixedDelay, so no request is delayed');
    if (delay.percent !== undefined) f.warn(`${path}.delay.percent`, 'deprecated: use percentage.value');
  }
}

/** Rule 14: redirect. */
function checkRedirect(f: Findings, path: string, r: HttpRoute): void {
  const redirect = r.redirect;
  if (!redirect) return;
  const at = `${path}.redirect`;
  // uri/authority are 1.4's; port, derivePort, scheme and prefixRewrite are newer fields and count too.
  const newer = redirect.port !== undefined || redirect.derivePort !== undefined || redirect.scheme !== undefined || redirect.prefixRewrite !== undefined;
  if (!redirect.uri && !redirect.authority && !newer) f.error(at, 'redirect must set uri or authority (or both)');
  if (redirect.redirectCode !== undefined && (redirect.redirectCode < 300 || redirect.redirectCode > 399)) {
    f.error(`${at}.redirectCode`, `${redirect.redirectCode} is not a redirect code: use a 3xx status`);
  }
  if (redirect.scheme !== undefined && redirect.scheme !== 'http' && redirect.scheme !== 'https') f.error(`${at}.scheme`, `scheme "${redirect.scheme}" must be http or https`);
  if (redirect.port !== undefined && redirect.derivePort !== undefined) f.error(`${at}.derivePort`, 'port and derivePort cannot both be set');
  if (redirect.prefixRewrite !== undefined) {
    if (redirect.uri) f.error(`${at}.prefixRewrite`, 'uri and prefixRewrite cannot both be set');
    const matches = r.match ?? [];
    if (matches.length === 0 || matches.some((m) => m.uri?.prefix === undefined)) {
      f.error(`${at}.prefixRewrite`, 'prefixRewrite needs every match of the route to have a uri prefix match');
    }
  }
}

/** Rule 15: rewrite. */
function checkRewrite(f: Findings, path: string, rewrite: HttpRoute['rewrite']): void {
  if (!rewrite) return;
  const rx = rewrite.uriRegexRewrite;
  if (!rewrite.uri && !rewrite.authority && !rx) f.error(path, 'rewrite must set uri or authority (or both)');
  if (rewrite.uri && rx) f.error(`${path}.uriRegexRewrite`, 'uri and uriRegexRewrite cannot both be set');
  if (rx) {
    if (!rx.match || rx.rewrite === undefined) f.error(`${path}.uriRegexRewrite`, 'uriRegexRewrite needs both match (an RE2 regex) and rewrite');
    if (rx.match) f.error(`${path}.uriRegexRewrite.match`, checkRegex(rx.match));
  }
}

/** Rules 9, 16: mirror destinations and percentages. */
function checkMirrors(f: Findings, path: string, r: HttpRoute): void {
  if (r.mirror) checkDestination(f, `${path}.mirror`, r.mirror);
  for (const [i, m] of (r.mirrors ?? []).entries()) {
    checkDestination(f, `${path}.mirrors[${i}].destination`, m.destination);
    const v = m.percentage?.value;
    if (v !== undefined && (v < 0 || v > 100)) f.error(`${path}.mirrors[${i}].percentage.value`, `mirror percentage ${v} must be within 0-100`);
  }
  for (const field of ['mirrorPercent', 'mirror_percent'] as const) {
    const v = r[field];
    if (v === undefined) continue;
    if (v > 100) f.error(`${path}.${field}`, `${field} must be at most 100 (it is ${v})`);
    f.warn(`${path}.${field}`, 'deprecated: use mirrorPercentage.value');
  }
  const pct = r.mirrorPercentage?.value;
  if (pct !== undefined && (pct < 0 || pct > 100)) f.error(`${path}.mirrorPercentage.value`, `mirrorPercentage ${pct} must be within 0-100`);
}

/** Rule 17: CORS. */
function checkCors(f: Findings, path: string, cors: HttpRoute['corsPolicy']): void {
  if (!cors) return;
  for (const [i, origin] of (cors.allowOrigin ?? []).entries()) {
    if (origin !== '*' && !ORIGIN.test(origin)) f.error(`${path}.allowOrigin[${i}]`, `"${origin}" is not a valid origin: use "*" or [http[s]://]host[:port]`);
  }
  if (cors.allowOrigin) f.warn(`${path}.allowOrigin`, 'deprecated: use allowOrigins (string matches)');
  for (const [i, m] of (cors.allowOrigins ?? []).entries()) checkStringMatch(f, `${path}.allowOrigins[${i}]`, m);
  for (const [i, method] of (cors.allowMethods ?? []).entries()) {
    if (!CORS_METHODS.has(method)) f.error(`${path}.allowMethods[${i}]`, `"${method}" is not an HTTP method: use ${[...CORS_METHODS].join(', ')}`);
  }
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const [i, h] of (cors[field] ?? []).entries()) if (h === '') f.error(`${path}.${field}[${i}]`, 'header name cannot be empty');
  }
  if (cors.maxAge !== undefined) {
    const err = checkDurationMs(cors.maxAge);
    f.error(`${path}.maxAge`, err ?? (isWholeSeconds(cors.maxAge) ? undefined : `maxAge "${cors.maxAge}" must be a whole number of seconds`));
  }
}
