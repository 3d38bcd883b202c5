#!/usr/bin/env node
// Regenerates deploy/kubernetes/base/crds/ (one CRD file per API group + kustomization.yaml) from
// @mesh/shared-api's KINDS and SPEC_SCHEMAS. Run it as `pnpm gen:crds`, which builds galley and
// shared-api first: this script uses their dist/. The galley test src/crds/crds-up-to-date.test.ts
// fails whenever the committed files differ from what this writes.
const path = require('node:path');
const { CRD_DIR, writeCrdDirectory } = require('@mesh/galley');

const dir = path.resolve(__dirname, '..', CRD_DIR);
writeCrdDirectory(dir).then(
  (drift) => {
    const touched = [...drift.missing.map((f) => `+ ${f}`), ...drift.changed.map((f) => `~ ${f}`), ...drift.extra.map((f) => `- ${f}`)];
    process.stdout.write(touched.length ? `${CRD_DIR}: ${touched.join(', ')}\n` : `${CRD_DIR}: up to date\n`);
  },
  (err) => {
    process.stderr.write(`gen-crds: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
