import fs from 'node:fs';
import path from 'node:path';
import type { MixerAdapter, MixerAdapterModule } from '@mesh/shared-api';

/** Why an adapter package could not be used. */
export class AdapterLoadError extends Error {
  override readonly name = 'AdapterLoadError';
  constructor(
    readonly packageName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`adapter package "${packageName}": ${message}`, options);
  }
}

/** The adapter API version this Mixer implements. */
export const ADAPTER_API_VERSION = 'mesh.mixer.adapter/v1';

/**
 * Finds an adapter package by name, like NODE_PATH: each search directory may hold the package
 * itself (`<dir>/<name>`) or a node_modules hierarchy (`<dir>/node_modules/<name>`, and up);
 * then Mixer's own node_modules. Returns the resolved main module path.
 */
export function resolveAdapterPackage(name: string, searchPath: readonly string[]): string {
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) throw new AdapterLoadError(name, 'is not an npm package name');
  for (const dir of searchPath) {
    const direct = path.join(dir, name);
    if (fs.existsSync(path.join(direct, 'package.json'))) return require.resolve(direct);
    try {
      return require.resolve(name, { paths: [dir] });
    } catch {
      // not under this directory
    }
  }
  try {
    return require.resolve(name);
  } catch (err) {
    throw new AdapterLoadError(name, `not found on the adapter path (${searchPath.join(path.delimiter) || 'empty'}) nor in Mixer's node_modules`, { cause: err });
  }
}

/** Loads an adapter package and checks that it exports a usable `adapter`. */
export function loadAdapterPackage(name: string, searchPath: readonly string[]): MixerAdapter {
  const file = resolveAdapterPackage(name, searchPath);
  let mod: Partial<MixerAdapterModule>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as Partial<MixerAdapterModule>;
  } catch (err) {
    throw new AdapterLoadError(name, `failed to load ${file}: ${(err as Error).message}`, { cause: err });
  }
  const adapter = mod.adapter;
  if (!adapter || typeof adapter.createHandler !== 'function' || !Array.isArray(adapter.templates)) {
    throw new AdapterLoadError(name, 'does not export `adapter` with createHandler() and templates (see docs/mixer-adapters.md)');
  }
  if (adapter.apiVersion !== ADAPTER_API_VERSION) {
    throw new AdapterLoadError(name, `was written for adapter API "${String(adapter.apiVersion)}"; this Mixer implements "${ADAPTER_API_VERSION}"`);
  }
  return adapter;
}
