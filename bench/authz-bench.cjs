// Runs bench/authz-bench.ts without a build step (see ts-launcher.cjs). Usage, from the repository root:
//   node bench/authz-bench.cjs [--seconds 2]
require('./ts-launcher.cjs').runTypeScript(require('node:path').join(__dirname, 'authz-bench.ts'), 'packages/sidecar');
