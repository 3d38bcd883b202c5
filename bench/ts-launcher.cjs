// Runs a bench/*.ts script without a build step: @swc/core (a root devDependency) strips the types
// in memory, for the script and for any TypeScript sources it loads by relative path (`.js`
// specifiers resolved to their `.ts` files, as tsc's NodeNext output expects). Each bench's own
// `.cjs` launcher calls this with its script; workspace packages it imports by name resolve from
// `nodeModulesOf` (a package directory) or from bench/.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

function compile(m, file) {
  const { code } = transformSync(fs.readFileSync(file, 'utf8'), {
    filename: file,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  m._compile(code, file);
}

let hooked = false;
function hookTypeScript() {
  if (hooked) return;
  hooked = true;
  require.extensions['.ts'] = compile;
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    if (request.startsWith('.') && request.endsWith('.js') && parent && parent.filename && parent.filename.endsWith('.ts')) {
      const ts = path.resolve(path.dirname(parent.filename), request.replace(/\.js$/, '.ts'));
      if (fs.existsSync(ts)) return ts;
    }
    return resolve.call(this, request, parent, ...rest);
  };
}

/** Compiles and runs `file` (an absolute path to a bench's .ts script) in this process. */
function runTypeScript(file, nodeModulesOf) {
  hookTypeScript();
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(nodeModulesOf ? path.join(__dirname, '..', nodeModulesOf) : __dirname);
  compile(m, file);
}

module.exports = { runTypeScript };
