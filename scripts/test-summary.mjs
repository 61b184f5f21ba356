#!/usr/bin/env node
// Sums every package's vitest JSON report into one closing line for CI:
// "tests: N passed, N failed, N skipped", after the name and first message line of every
// failed test: CI keeps only the tail of its log, so a failure must be named there.
// Exits 1 if any test failed, a package with tests left no report, or no report exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
const failures = [];
for (const parent of ['packages', 'apps']) {
  const dir = join(root, parent);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, '.vitest', 'results.json');
    if (!existsSync(file)) {
      const manifest = join(dir, name, 'package.json');
      const hasTests =
        existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test;
      if (hasTests)
        failures.push(`  NOT RUN ${parent}/${name}: no test report (an earlier task failed?)`);
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8'));
    reports++;
    for (const suite of report.testResults) {
      for (const test of suite.assertionResults) {
        if (test.status !== 'failed') continue;
        const firstLine = (test.failureMessages[0] ?? '').split('\n')[0];
        failures.push(`  FAILED ${parent}/${name} ${test.fullName}: ${firstLine}`);
      }
      // A file that failed to load or threw outside a test has no failed assertion to name.
      if (suite.status === 'failed' && !suite.assertionResults.some((t) => t.status === 'failed')) {
        failures.push(`  FAILED ${parent}/${name} ${suite.name}: ${suite.message.split('\n')[0]}`);
      }
    }
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    console.log(
      `${parent}/${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`,
    );
  }
}
if (reports === 0) {
  console.error('test-summary: no test reports found; did "npm test" run?');
  process.exit(1);
}
for (const line of failures) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failures.length > 0 ? 1 : 0);
