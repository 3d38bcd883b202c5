import type { ServerResponse } from 'node:http';

/** Bodies of the replies the proxy sends itself, as Envoy words them (clients and tests match on them). */
export const LOCAL_REPLY_BODIES: Readonly<Record<string, string>> = {
  NR: '',
  NC: '',
  UH: 'no healthy upstream',
  UF: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  UC: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  UT: 'upstream request timeout',
  DPE: 'bad request',
};

/** Sends a proxy-generated response, unless headers already went out. */
export function sendLocalReply(res: ServerResponse, status: number, flag: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = LOCAL_REPLY_BODIES[flag] ?? '';
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...extraHeaders });
  res.end(body);
}
