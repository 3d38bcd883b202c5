// Runs bench/mtls-bench.ts without a build step (see ts-launcher.cjs). Usage, from the repository root:
//   node bench/mtls-bench.cjs [--seconds 3]
require('./ts-launcher.cjs').runTypeScript(require('node:path').join(__dirname, 'mtls-bench.ts'), 'packages/sidecar');
