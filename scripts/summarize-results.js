/*
 * Prints one closing line for the whole test run, counted from the runners' JSON reports:
 * "summary: N passed, N failed, N skipped".
 */
const fs = require('node:fs');
const path = require('node:path');

const [dir, e2eRan] = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  } catch {
    return undefined;
  }
}

const jest = readJson('jest.json');
if (jest) {
  totals.passed += jest.numPassedTests;
  totals.failed += jest.numFailedTests + (jest.numRuntimeErrorTestSuites ?? 0);
  totals.skipped += jest.numPendingTests + jest.numTodoTests;
  console.log(
    `jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed, ${jest.numPendingTests} skipped in ${jest.numTotalTestSuites} suites`,
  );
} else {
  console.log('jest: no report (the run did not finish)');
  totals.failed += 1;
}

const reliability = (() => {
  try {
    return fs.readFileSync(path.join(dir, 'reliability.txt'), 'utf8');
  } catch {
    return undefined;
  }
})();
const reliabilityLine = reliability?.match(
  /^reliability: (\d+) passed, (\d+) failed/m,
);
if (reliabilityLine) {
  totals.passed += Number(reliabilityLine[1]);
  totals.failed += Number(reliabilityLine[2]);
  console.log(reliabilityLine[0]);
} else {
  console.log('reliability: no closing line (the run did not finish)');
  totals.failed += 1;
}

if (e2eRan === 'yes') {
  const e2e = readJson('e2e.json');
  if (e2e?.stats) {
    const { expected, unexpected, flaky, skipped } = e2e.stats;
    totals.passed += expected + flaky;
    totals.failed += unexpected;
    totals.skipped += skipped;
    console.log(
      `e2e: ${
        expected + flaky
      } passed, ${unexpected} failed, ${skipped} skipped`,
    );
  } else {
    console.log('e2e: no report (the run did not finish)');
    totals.failed += 1;
  }
}

console.log(
  `summary: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`,
);
