/**
 * @mesh/adapter-example: a Mixer adapter written the way an outside author writes one. It depends
 * on nothing but the adapter interface's types from @mesh/shared-api (docs/mixer-adapters.md);
 * Mixer loads it by package name when a handler says `adapter: "@mesh/adapter-example"`.
 */
export { adapter } from './example-adapter.js';
export type { ExampleParams } from './example-adapter.js';
