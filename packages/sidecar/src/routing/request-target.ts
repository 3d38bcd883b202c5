import { splitAuthority } from './routing-table.js';

/** Where an HTTP/1.1 request is going: its authority, origin-form path and destination port. */
export type RequestTarget =
  | { readonly ok: true; readonly authority: string; readonly path: string; readonly port: number; readonly absoluteForm: boolean }
  | { readonly ok: false; readonly reason: string };

/** Port a request goes to when neither the Host header nor the URL names one. */
export const DEFAULT_HTTP_PORT = 80;

const ABSOLUTE_FORM = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;

/**
 * Reads the request target (https://www.rfc-editor.org/rfc/rfc9112#section-3.2): absolute form
 * (`GET http://host:port/path`, what HTTP_PROXY clients send) takes the authority from the URL and
 * wins over Host; origin form (`GET /path`) takes it from Host. The destination port is the
 * authority's port, else the scheme's default (80; 443 for https).
 */
export function parseRequestTarget(url: string, host: string | undefined): RequestTarget {
  const abs = ABSOLUTE_FORM.exec(url);
  if (abs) {
    const scheme = abs[1]!.toLowerCase();
    const authority = abs[2]!.replace(/^.*@/, '');
    if (!authority) return { ok: false, reason: `request target ${url} has no host` };
    let path = abs[3] || '/';
    if (!path.startsWith('/')) path = `/${path}`;
    const port = splitAuthority(authority).port ?? (scheme === 'https' ? 443 : DEFAULT_HTTP_PORT);
    return { ok: true, authority, path, port, absoluteForm: true };
  }
  if (!host) return { ok: false, reason: 'the request has no Host header' };
  return { ok: true, authority: host, path: url, port: splitAuthority(host).port ?? DEFAULT_HTTP_PORT, absoluteForm: false };
}
