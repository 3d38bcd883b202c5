// Runs bench/mixer-bench.ts without a build step (see ts-launcher.cjs). Usage, from the repository root after `pnpm build`:
//   node bench/mixer-bench.cjs [--rps 1000] [--seconds 20] [--checks 5000]
require('./ts-launcher.cjs').runTypeScript(require('node:path').join(__dirname, 'mixer-bench.ts'));
