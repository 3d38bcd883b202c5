import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The Istio YAML corpus (conformance/istio in the shared project directory, beside the repository):
 * `MESH_CONFORMANCE_DIR`, else `<repo>/../shared/conformance/istio`.
 */
export function istioCorpusDir(): string {
  const configured = process.env['MESH_CONFORMANCE_DIR'];
  if (configured) return configured;
  // src/testing and dist/testing are both four levels below the directory that holds the repository.
  return path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'conformance', 'istio');
}

/** The non-empty YAML documents of one corpus file, as plain values. */
export function readCorpusDocuments(file: string): unknown[] {
  const full = path.join(istioCorpusDir(), file);
  if (!fs.existsSync(full)) throw new Error(`corpus file ${full} is missing; set MESH_CONFORMANCE_DIR to the conformance/istio directory`);
  return parseAllDocuments(fs.readFileSync(full, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null && d !== undefined);
}
