// Shared jest settings for every package: swc transpiles TypeScript (no type-check; `typecheck`
// does that), workspace packages resolve to their sources so tests never need a prior build.
const path = require('node:path');

const esmPackages = ['\\.pnpm', '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', '@jsep-plugin', 'cookie'];

module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    '^@mesh/([a-z-]+)/testing$': path.join(__dirname, 'packages/$1/src/testing/index.ts'),
    '^@mesh/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30000,
  forceExit: false,
};
