// Runs bench/mtls-bench.ts without a build step: @swc/core (a root devDependency) strips the types
// in memory, for the bench and for the sidecar sources it loads (packages/sidecar/src, `.js`
// specifiers resolved to their `.ts` files). Usage, from the repository root:
//   node bench/mtls-bench.cjs [--seconds 3]
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const compile = (m, file) => {
  const { code } = transformSync(fs.readFileSync(file, 'utf8'), {
    filename: file,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  m._compile(code, file);
};
require.extensions['.ts'] = compile;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.startsWith('.') && request.endsWith('.js') && parent && parent.filename && parent.filename.endsWith('.ts')) {
    const ts = path.resolve(path.dirname(parent.filename), request.replace(/\.js$/, '.ts'));
    if (fs.existsSync(ts)) return ts;
  }
  return resolve.call(this, request, parent, ...rest);
};

const file = path.join(__dirname, 'mtls-bench.ts');
const m = new Module(file, module);
m.filename = file;
m.paths = Module._nodeModulePaths(path.join(__dirname, '..', 'packages', 'sidecar'));
compile(m, file);
