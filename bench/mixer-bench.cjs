// Runs bench/mixer-bench.ts without a build step: @swc/core (a root devDependency) strips the
// types in memory. Usage, from the repository root after `pnpm build`:
//   node bench/mixer-bench.cjs [--rps 1000] [--seconds 20] [--checks 5000]
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const file = path.join(__dirname, 'mixer-bench.ts');
const { code } = transformSync(fs.readFileSync(file, 'utf8'), {
  filename: file,
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
});
const m = new Module(file, module);
m.filename = file;
m.paths = Module._nodeModulePaths(__dirname);
m._compile(code, file);
