import path from 'node:path';

/** The bins this launcher starts, by the package that ships each. */
const BINS = {
  galley: ['@mesh/galley', 'mesh-galley'],
  pilot: ['@mesh/pilot', 'mesh-pilot'],
  citadel: ['@mesh/citadel', 'mesh-citadel'],
  mixer: ['@mesh/mixer', 'mesh-mixer'],
  sidecar: ['@mesh/sidecar', 'mesh-sidecar'],
  app: ['@mesh/sample-app', 'mesh-sample-app'],
} as const;

/** A component the launcher can start. */
export type Component = keyof typeof BINS;

/** Absolute path of a component's bin script (run with `node`). */
export function binPath(component: Component): string {
  const [pkg, bin] = BINS[component];
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', `${bin}.js`);
}
