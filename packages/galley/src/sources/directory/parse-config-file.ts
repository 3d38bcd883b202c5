import { LineCounter, parseAllDocuments } from 'yaml';

/** One document of a config file: its 1-based position and line, and its value. */
export interface FileDocument {
  readonly document: number;
  readonly line: number;
  readonly value: unknown;
}

/** A problem with one document of a file, for the log: where it is and what is wrong. */
export interface DocumentProblem {
  readonly document: number;
  readonly line: number;
  readonly message: string;
  readonly kind?: string;
  readonly name?: string;
  readonly fields?: readonly { field: string; message: string }[];
}

/** The documents of a file, or its syntax errors. */
export type ParsedFile = { ok: true; documents: FileDocument[] } | { ok: false; problems: DocumentProblem[] };

/**
 * Parses a YAML or JSON file of one or more documents (`---` separated), with no I/O. Empty
 * documents are dropped; a `kind: List` document (as `kubectl get -o yaml` writes) is expanded
 * into its items. Any syntax error fails the whole file.
 */
export function parseConfigFile(text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const problems: DocumentProblem[] = [];
  const documents: FileDocument[] = [];
  list.forEach((doc, i) => {
    const line = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : 1;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ document: i + 1, line: e.linePos?.[0]?.line ?? line, message: `YAML syntax: ${e.message.split('\n')[0]}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({ document: i + 1, line, message: `YAML: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (isList(value)) for (const item of value.items) documents.push({ document: i + 1, line, value: item });
    else documents.push({ document: i + 1, line, value });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, documents };
}

function isList(v: unknown): v is { items: unknown[] } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return o['kind'] === 'List' && (o['apiVersion'] === 'v1' || o['apiVersion'] === undefined) && Array.isArray(o['items']);
}
