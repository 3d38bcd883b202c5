import type { HeaderAddModel, HeaderFormatPart, HeaderMutationsModel, HeaderOpsModel } from '../../routing/route-model.js';
import type { Problems} from './fields.js';
import { arr, boolValue, obj, str } from './fields.js';

/**
 * Header mutations of a route configuration, virtual host, route or weighted cluster
 * (`request_headers_to_add` / `_remove`, `response_headers_to_add` / `_remove`;
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers).
 * Values use Envoy's `%COMMAND%` substitutions; the sidecar knows the commands in
 * {@link HEADER_COMMANDS} and NACKs others, and a lone `%` (Envoy rejects it too).
 */

/** Substitution commands the sidecar fills in (Envoy access-log command names). */
export const HEADER_COMMANDS: ReadonlySet<string> = new Set([
  'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_PORT',
  'UPSTREAM_REMOTE_ADDRESS',
  'UPSTREAM_CLUSTER',
  'HOSTNAME',
  'PROTOCOL',
  'START_TIME',
  'REQ',
  'REQUEST_ID',
]);

const APPEND_ACTIONS: Record<string, HeaderAddModel['action']> = {
  APPEND_IF_EXISTS_OR_ADD: 'append',
  ADD_IF_ABSENT: 'add-if-absent',
  OVERWRITE_IF_EXISTS_OR_ADD: 'overwrite',
  OVERWRITE_IF_EXISTS: 'overwrite-if-exists',
};

/** The four header fields of one level, or undefined when none is set. */
export function headerOps(raw: Record<string, unknown>, at: string, p: Problems): HeaderOpsModel | undefined {
  const request = mutations(raw, 'request', at, p);
  const response = mutations(raw, 'response', at, p);
  if (request.add.length + request.remove.length + response.add.length + response.remove.length === 0) return undefined;
  return { request, response };
}

function mutations(raw: Record<string, unknown>, side: 'request' | 'response', at: string, p: Problems): HeaderMutationsModel {
  const add = arr(raw[`${side}_headers_to_add`]).map((o, i) => headerValueOption(obj(o), `${at}${side}_headers_to_add[${i}].`, p));
  const remove = arr(raw[`${side}_headers_to_remove`]).map((n, i) => {
    const name = str(n).toLowerCase();
    checkName(name, `${at}${side}_headers_to_remove[${i}]`, p);
    return name;
  });
  return { add, remove };
}

function checkName(name: string, at: string, p: Problems): void {
  if (!name) p.add(at, 'a header name must not be empty');
  // Envoy refuses to let configuration modify pseudo-headers or Host this way.
  else if (name.startsWith(':') || name === 'host') p.add(at, `header ${name} may not be modified by header mutations`);
}

function headerValueOption(raw: Record<string, unknown>, at: string, p: Problems): HeaderAddModel {
  const header = obj(raw['header']);
  const name = str(header['key']).toLowerCase();
  checkName(name, `${at}header.key`, p);
  const rawValue = header['raw_value'];
  const text = typeof header['value'] === 'string' ? header['value'] : rawValue instanceof Uint8Array ? Buffer.from(rawValue).toString('utf8') : '';
  const value = parseHeaderFormat(text, `${at}header.value`, p);
  const append = boolValue(raw['append']);
  let action: HeaderAddModel['action'] = APPEND_ACTIONS[str(raw['append_action']) || 'APPEND_IF_EXISTS_OR_ADD'] ?? 'append';
  // The deprecated `append` wins when set (true: append; false: overwrite).
  if (append !== undefined) action = append ? 'append' : 'overwrite';
  return { name, value, action, keepEmpty: raw['keep_empty_value'] === true };
}

/** Splits a header value into literal text and `%COMMAND%` / `%COMMAND(arg)%` parts (`%%` is a literal `%`). */
export function parseHeaderFormat(text: string, at: string, p: Problems): HeaderFormatPart[] {
  const parts: HeaderFormatPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    if (text[i + 1] === '%') {
      literal += '%';
      i++;
      continue;
    }
    const end = text.indexOf('%', i + 1);
    const m = end < 0 ? null : /^([A-Z_]+)(?:\(([^)]*)\))?(?::\d+)?$/.exec(text.slice(i + 1, end));
    if (!m) {
      p.add(at, `invalid header value ${JSON.stringify(text)}: un-escaped % at position ${i}`);
      return [text];
    }
    if (!HEADER_COMMANDS.has(m[1]!)) {
      p.add(at, `header value command %${m[1]}% is not supported by the sidecar`);
      return [text];
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(m[2] === undefined ? { command: m[1]! } : { command: m[1]!, arg: m[2] });
    i = end;
  }
  if (literal || parts.length === 0) parts.push(literal);
  return parts;
}
