import { MeshError } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import type { FieldSelector } from '../query/field-selector.js';
import { matchesFields, parseFieldSelector } from '../query/field-selector.js';
import type { LabelSelector } from '../query/label-selector.js';
import { matchesLabels, parseLabelSelector } from '../query/label-selector.js';
import type { ConfigStore } from '../store/config-store.js';
import type { Query } from './query-options.js';
import { nonNegativeInt, queryValue } from './query-options.js';
import type { Target } from './resource-target.js';
import { served } from './resource-target.js';
import { toTable } from './table.js';

/** The label and field selectors of a list or watch. */
export interface Selectors {
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
}

/** Parses `labelSelector` and `fieldSelector`; a malformed one is a 400 naming the problem. */
export function parseSelectors(query: Query): Selectors {
  const l = parseLabelSelector(queryValue(query, 'labelSelector') ?? '');
  if (!l.ok) throw new MeshError('BAD_REQUEST', `unable to parse labelSelector: ${l.errors[0]!.message}`);
  const f = parseFieldSelector(queryValue(query, 'fieldSelector') ?? '');
  if (!f.ok) throw new MeshError('BAD_REQUEST', `unable to parse fieldSelector: ${f.errors[0]!.message}`);
  return { labels: l.value, fields: f.value };
}

/** True when an object passes both selectors. */
export function selected(s: Selectors, obj: ConfigResource): boolean {
  return matchesLabels(s.labels, obj.metadata.labels) && matchesFields(s.fields, obj.metadata);
}

interface ContinueToken {
  rv: string;
  after: string;
}

const sortKey = (o: ConfigResource): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (typeof t.rv === 'string' && typeof t.after === 'string') return { rv: t.rv, after: t.after };
  } catch {
    // falls through to the error below
  }
  throw new MeshError('BAD_REQUEST', 'continue is not a token this server returned; start the list again without it');
}

/**
 * A Kubernetes list: the stored objects filtered by selectors, sorted by namespace and name, paged
 * with `limit`/`continue` (a page continues after the last object of the previous one; as with
 * Kubernetes' inconsistent continuation, objects created meanwhile before the cursor are not
 * included), as a `<Kind>List` or, when asked, a Table.
 */
export async function listObjects(store: ConfigStore, t: Target, query: Query, opts: { table: boolean; now: Date }): Promise<Record<string, unknown>> {
  const selectors = parseSelectors(query);
  const limit = nonNegativeInt(query, 'limit');
  const cont = queryValue(query, 'continue');
  const token = cont ? decodeContinue(cont) : undefined;
  const { items, resourceVersion } = await store.list(t.kind, t.namespace);
  let matching = items.filter((o) => selected(selectors, o));
  if (token) matching = matching.filter((o) => sortKey(o) > token.after);
  const rv = token?.rv ?? resourceVersion;
  let page = matching;
  let next: string | undefined;
  if (limit !== undefined && limit > 0 && matching.length > limit) {
    page = matching.slice(0, limit);
    next = Buffer.from(JSON.stringify({ rv, after: sortKey(page[page.length - 1]!) } satisfies ContinueToken)).toString('base64url');
  }
  const out = page.map((o) => served(o, t));
  if (opts.table) return toTable(out, rv, opts.now, next);
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (next) {
    metadata['continue'] = next;
    metadata['remainingItemCount'] = matching.length - page.length;
  }
  return { apiVersion: `${t.kind.group}/${t.version}`, kind: `${t.kind.kind}List`, metadata, items: out };
}
