import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Extensions of the files the directory source reads. */
export const CONFIG_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** A config file found under the directory: its path relative to the root (with `/`) and absolute. */
export interface ConfigFile {
  readonly rel: string;
  readonly abs: string;
}

/**
 * Every config file under `root` and every directory visited, sorted. Names starting with `.` are
 * skipped: a Kubernetes ConfigMap volume keeps its real files under `..data/` and links them
 * from the top, so reading both would see each document twice. Symlinks are followed once.
 */
export async function findConfigFiles(root: string): Promise<{ files: ConfigFile[]; dirs: string[] }> {
  const files: ConfigFile[] = [];
  const dirs: string[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await fs.realpath(dir);
    if (seen.has(real)) return; // a symlink loop
    seen.add(real);
    dirs.push(dir);
    const entries = await fs.readdir(dir);
    for (const name of entries.sort()) {
      if (name.startsWith('.')) continue;
      const abs = path.join(dir, name);
      const stat = await fs.stat(abs).catch(() => undefined); // vanished, or a dangling link
      if (!stat) continue;
      if (stat.isDirectory()) await walk(abs);
      else if (stat.isFile() && CONFIG_FILE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) {
        files.push({ rel: path.relative(root, abs).split(path.sep).join('/'), abs });
      }
    }
  };
  await walk(root);
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, dirs };
}
