#!/usr/bin/env node
// `npm test`: type checks, lint, unit tests (vitest), the app build, Playwright end-to-end tests in
// Chromium. Ends with one summary line "N passed, N failed" (skips are listed with reasons).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const results = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const skips = [];

function run(label, cmd, args, opts = {}) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...opts.env } });
  return r.status === 0;
}

mkdirSync('test-results', { recursive: true });

// 1. Type checks (counted as one test per project set).
if (run('type check', 'npx', ['tsc', '-b', '--pretty'])) results.passed++;
else {
  results.failed++;
  failures.push('type check (tsc -b)');
}

// 1b. Lint (ESLint with the type-aware promise rules; counted as one test).
if (run('lint', 'npx', ['eslint', '--config', 'eslint.typed.config.js', '.'])) results.passed++;
else {
  results.failed++;
  failures.push('lint (npm run lint)');
}

// 2. Unit and integration tests.
run('unit tests', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile=test-results/vitest.json',
]);
if (existsSync('test-results/vitest.json')) {
  const v = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  for (const file of v.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') results.passed++;
      else if (t.status === 'failed') {
        results.failed++;
        failures.push(`${file.name.replace(process.cwd() + '/', '')} › ${t.fullName}`);
      } else {
        results.skipped++;
        skips.push(`${file.name.replace(process.cwd() + '/', '')} › ${t.fullName}`);
      }
    }
    if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') {
      results.failed++;
      failures.push(`${file.name} (failed to load: ${(file.message ?? '').split('\n')[0]})`);
    }
  }
} else {
  results.failed++;
  failures.push('vitest produced no report');
}

// 3. Build the app, then the end-to-end tests against it.
if (!run('build', 'npm', ['run', 'build', '--silent'])) {
  results.failed++;
  failures.push('npm run build');
} else {
  if (run('UI bundle has no tfjs', 'node', ['scripts/check-ui-bundle.mjs'])) results.passed++;
  else {
    results.failed++;
    failures.push('scripts/check-ui-bundle.mjs (tfjs in the UI bundle)');
  }
  run('end-to-end tests', 'npx', ['playwright', 'test']);
  if (existsSync('test-results/playwright.json')) {
    const p = JSON.parse(readFileSync('test-results/playwright.json', 'utf8'));
    const walk = (suite, prefix) => {
      for (const s of suite.suites ?? []) walk(s, `${prefix}${s.title} › `);
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          const status = t.status; // expected | unexpected | skipped | flaky
          if (status === 'expected' || status === 'flaky') results.passed++;
          else if (status === 'skipped') {
            results.skipped++;
            const why = (t.annotations ?? [])
              .map((a) => a.description)
              .filter(Boolean)
              .join('; ');
            skips.push(`${prefix}${spec.title}${why ? ` — ${why}` : ''}`);
          } else {
            results.failed++;
            failures.push(`${prefix}${spec.title}`);
          }
        }
      }
    };
    for (const s of p.suites ?? []) walk(s, '');
  } else {
    results.failed++;
    failures.push('playwright produced no report');
  }
}

console.log('\n────────────────────────────────────────');
for (const s of skips) console.log(`skipped: ${s}`);
for (const f of failures) console.log(`FAILED: ${f}`);
console.log(
  `${results.passed} passed, ${results.failed} failed${results.skipped ? `, ${results.skipped} skipped` : ''}`,
);
process.exit(results.failed ? 1 : 0);
