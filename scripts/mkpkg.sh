#!/usr/bin/env bash
# scaffolds a package's tsconfig files (run once per package)
set -e
d=$1
cat > $d/tsconfig.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true, "rootDir": "." },
  "include": ["src/**/*.ts"]
}
J
cat > $d/tsconfig.build.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "outDir": "dist", "rootDir": "src", "types": ["node"] },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts"]
}
J
cat > $d/jest.config.js <<J
module.exports = { ...require('../../jest.preset.js'), displayName: '$(basename $d)' };
J
