import { promises as fs } from 'node:fs';
import path from 'node:path';
import { generateCrdFiles } from './generate-crds.js';
import type { GeneratedFile } from './generate-crds.js';

/** Where the generated CRDs live, relative to the repository root. */
export const CRD_DIR = 'deploy/kubernetes/base/crds';

/** How the files on disk differ from what the generator makes. */
export interface CrdDrift {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/** Compares `dir` with the generator's output; every list empty means up to date. */
export async function crdDrift(dir: string, files: readonly GeneratedFile[] = generateCrdFiles()): Promise<CrdDrift> {
  const onDisk = new Set((await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.yaml')));
  const changed: string[] = [];
  const missing: string[] = [];
  for (const f of files) {
    if (!onDisk.has(f.name)) missing.push(f.name);
    else if ((await fs.readFile(path.join(dir, f.name), 'utf8')) !== f.content) changed.push(f.name);
    onDisk.delete(f.name);
  }
  return { changed, missing, extra: [...onDisk].sort() };
}

/** Writes the generated files into `dir` and removes YAML files the generator no longer makes. */
export async function writeCrdDirectory(dir: string, files: readonly GeneratedFile[] = generateCrdFiles()): Promise<CrdDrift> {
  const drift = await crdDrift(dir, files);
  await fs.mkdir(dir, { recursive: true });
  for (const f of files) if (drift.changed.includes(f.name) || drift.missing.includes(f.name)) await fs.writeFile(path.join(dir, f.name), f.content);
  for (const name of drift.extra) await fs.rm(path.join(dir, name));
  return drift;
}
