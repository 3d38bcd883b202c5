// Runs bench/sidecar-bench.ts without a build step (see ts-launcher.cjs). Usage, from the repository root after `pnpm build`:
//   node bench/sidecar-bench.cjs [--rate 1000] [--connections 16] [--seconds 20]
require('./ts-launcher.cjs').runTypeScript(require('node:path').join(__dirname, 'sidecar-bench.ts'));
