import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDocuments } from './documents.js';
import { GalleyClient, table } from './index.js';
import { parseWarnings } from './galley-client.js';

describe('readDocuments', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshctl-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every document of multi-document files in a directory, skipping empty ones, in name order', () => {
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata: {name: b}\nspec: {host: b}\n');
    fs.writeFileSync(path.join(dir, 'a.yml'), '---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: a1}\nspec: {}\n---\n---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: a2}\nspec: {}\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect(readDocuments([dir]).map((d) => d.doc.metadata.name)).toEqual(['a1', 'a2', 'b']);
  });

  it('reads stdin for "-" and unwraps a List', () => {
    const docs = readDocuments(['-'], () => 'kind: List\napiVersion: v1\nitems:\n- {kind: VirtualService, metadata: {name: x}}\n');
    expect(docs.map((d) => [d.source, d.doc.metadata.name])).toEqual([['-', 'x']]);
  });

  it('names the file and document of a YAML syntax error', () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'a: 1\n---\nkey: [unclosed\n');
    expect(() => readDocuments([path.join(dir, 'bad.yaml')])).toThrow(/bad\.yaml: document 2:/);
  });
});

describe('GalleyClient.resolveKind and table', () => {
  it.each(['vs', 'virtualservice', 'VirtualServices', 'VirtualService'])('resolves %s', (n) => {
    expect(GalleyClient.resolveKind(n)?.kind).toBe('VirtualService');
  });

  it('aligns columns', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toBe('A     BB\nxxx   y\n');
  });
});

describe('parseWarnings', () => {
  it('reads several Warning values, undoing quoted-string escapes and decoding UTF-8', () => {
    const utf8AsLatin1 = Buffer.from('naïve', 'utf8').toString('latin1');
    expect(parseWarnings(`299 - "Referenced host not found: \\"a, b\\"", 299 - "back\\\\slash ${utf8AsLatin1}"`)).toEqual(['Referenced host not found: "a, b"', 'back\\slash naïve']);
    expect(parseWarnings('')).toEqual([]);
  });
});
