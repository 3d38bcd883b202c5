import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The Istio YAML corpus (conformance/istio in the shared checkout beside the repository). */
export function conformanceDir(): string | undefined {
  for (const candidate of [process.env['MESH_CONFORMANCE_DIR'], path.resolve(__dirname, '../../../../../shared/conformance/istio')]) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface YamlModule {
  parseAllDocuments(text: string): { toJS(): unknown; errors: unknown[] }[];
}

/** Parses every document of a YAML file (the `yaml` package, resolved through shared-api which depends on it). */
export function readYamlDocuments(file: string): unknown[] {
  const req = createRequire(require.resolve('@mesh/shared-api/package.json'));
  const yaml = req('yaml') as YamlModule;
  return yaml
    .parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .filter((d) => d.errors.length === 0)
    .map((d) => d.toJS())
    .filter((d) => d !== null && d !== undefined);
}
