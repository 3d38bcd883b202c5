#!/usr/bin/env node
// Reads every jest JSON report (packages/*/.jest-report.json, e2e/.jest-report.json) and prints
// one line: "N passed, N failed". A failed non-test step (typecheck, lint, a crashed jest) counts
// as one failure so that the line never reads green when the run was not. Exit code 1 on failure.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stepsFailed = process.argv[2] === '1';
const reports = [
  ...fs.readdirSync(path.join(root, 'packages')).map((p) => path.join(root, 'packages', p, '.jest-report.json')),
  path.join(root, 'e2e', '.jest-report.json'),
].filter((f) => fs.existsSync(f));

let passed = 0;
let failed = 0;
const failures = [];
for (const file of reports) {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  for (const suite of r.testResults) {
    for (const t of suite.assertionResults) if (t.status === 'failed') failures.push(`${path.relative(root, suite.name)}: ${t.fullName}`);
    if (suite.status === 'failed' && suite.assertionResults.length === 0) failures.push(`${path.relative(root, suite.name)}: ${(suite.message || '').split('\n')[0]}`);
  }
}
if (stepsFailed && failed === 0) {
  failed = 1;
  failures.push('a typecheck, lint or test step failed (see its output above)');
}
if (failures.length) process.stdout.write(`\nFailures:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
