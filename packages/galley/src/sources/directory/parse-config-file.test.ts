import { parseConfigFile } from './parse-config-file.js';

describe('parseConfigFile', () => {
  it('returns every non-empty document with its position and line', () => {
    const r = parseConfigFile('a: 1\n---\n---\n# only a comment\n---\nb: 2\n');
    expect(r).toEqual({ ok: true, documents: [{ document: 1, line: 1, value: { a: 1 } }, { document: 4, line: 6, value: { b: 2 } }] });
  });

  it('reads JSON and expands a kind: List', () => {
    const r = parseConfigFile(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ x: 1 }, { y: 2 }] }));
    expect(r.ok && r.documents.map((d) => d.value)).toEqual([{ x: 1 }, { y: 2 }]);
  });

  it('fails the whole file on a syntax error, naming the document and line', () => {
    const r = parseConfigFile('a: 1\n---\nb: [1, 2\nc: 3\n');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toMatchObject({ document: 2, message: expect.stringContaining('YAML syntax') });
  });

  it('rejects duplicate keys', () => {
    expect(parseConfigFile('a: 1\na: 2\n').ok).toBe(false);
  });

  it('returns no documents for an empty file', () => {
    expect(parseConfigFile('')).toEqual({ ok: true, documents: [] });
  });
});
