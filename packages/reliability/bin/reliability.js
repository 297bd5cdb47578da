#!/usr/bin/env node
/*
 * `yarn test:reliability`: runs the campaign's jest suites (bad input, faults, secrets and
 * permissions) through backstage-cli, then prints the figures they recorded as `key: value`
 * lines and exits non-zero when a target is missed or a suite failed.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
const metrics = path.join(os.tmpdir(), `reliability-${process.pid}.jsonl`);
fs.rmSync(metrics, { force: true });

const responses = path.join(
  os.tmpdir(),
  `reliability-${process.pid}-responses.json`,
);
const cli = require.resolve('@backstage/cli/bin/backstage-cli', {
  paths: [pkg],
});
const jest = args =>
  spawnSync(process.execPath, [cli, 'package', 'test', ...args], {
    cwd: pkg,
    stdio: 'inherit',
    env: {
      ...process.env,
      CI: 'true',
      RELIABILITY_METRICS: metrics,
      RELIABILITY_RESPONSES: responses,
    },
  });
// The backend suites first (security.test.ts saves the real responses), then the frontend pages
// rendered from them in a browser-like environment.
const runs = [
  jest([
    '--maxWorkers=2',
    '--testPathIgnorePatterns',
    'frontend',
    ...process.argv.slice(2),
  ]),
  jest(['src/frontend.test.tsx']),
];
fs.rmSync(responses, { force: true });
const result = runs.find(r => r.status !== 0) ?? runs[0];

const sections = fs.existsSync(metrics)
  ? fs
      .readFileSync(metrics, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l))
  : [];
fs.rmSync(metrics, { force: true });

const sum = key => sections.reduce((n, s) => n + (s.counters?.[key] ?? 0), 0);
const max = key => sections.reduce((n, s) => Math.max(n, s.max?.[key] ?? 0), 0);
const seen = key =>
  sections.some(s => key in (s.counters ?? {}) || key in (s.max ?? {}));

const figures = {
  bad_inputs: sum('bad_inputs'),
  crashes: sum('crashes'),
  partial_applies: sum('partial_applies'),
  fault_scenarios: sum('fault_scenarios'),
  converged: sum('converged'),
  max_passes_to_converge: max('max_passes_to_converge'),
  unowned_deletions: sum('unowned_deletions'),
  secret_leaks: sum('secret_leaks'),
  permission_checks: sum('permission_checks'),
  permission_failures: sum('permission_failures'),
};
const targets = [
  ['bad_inputs', figures.bad_inputs >= 300, 'at least 300'],
  ['crashes', seen('crashes') && figures.crashes === 0, '0'],
  [
    'partial_applies',
    seen('partial_applies') && figures.partial_applies === 0,
    '0',
  ],
  ['fault_scenarios', figures.fault_scenarios >= 50, 'at least 50'],
  [
    'converged',
    figures.converged === figures.fault_scenarios &&
      figures.fault_scenarios > 0,
    'all scenarios',
  ],
  [
    'unowned_deletions',
    seen('unowned_deletions') && figures.unowned_deletions === 0,
    '0',
  ],
  ['secret_leaks', seen('secret_leaks') && figures.secret_leaks === 0, '0'],
  [
    'permission_failures',
    seen('permission_failures') &&
      figures.permission_failures === 0 &&
      figures.permission_checks > 0,
    '0',
  ],
];
const missed = targets.filter(([, ok]) => !ok);
const passed = sections.reduce((n, s) => n + s.passed, 0);
const failed = sections.reduce((n, s) => n + s.failed, 0);
const suiteFailed = result.status !== 0;

process.stdout.write('\n');
if (suiteFailed) {
  process.stdout.write(`jest: exited ${result.status ?? result.signal}\n`);
}
for (const [key, , target] of missed) {
  process.stdout.write(`missed: ${key} (target ${target})\n`);
}
for (const [key, value] of Object.entries(figures)) {
  process.stdout.write(`${key}: ${value}\n`);
}
process.stdout.write(`reliability: ${passed} passed, ${failed} failed\n`);
process.exitCode = missed.length || failed || suiteFailed ? 1 : 0;
