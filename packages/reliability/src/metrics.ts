/*
 * Figures and checks of one test file, appended as one JSON line to the file named by
 * RELIABILITY_METRICS (bin/reliability.js sums them and prints the report).
 */
import fs from 'node:fs';

export class Tally {
  readonly counters: Record<string, number> = {};
  readonly max: Record<string, number> = {};
  passed = 0;
  failed = 0;
  readonly failures: string[] = [];

  constructor(private readonly section: string) {}

  add(key: string, n = 1) {
    this.counters[key] = (this.counters[key] ?? 0) + n;
  }

  atLeast(key: string, value: number) {
    this.max[key] = Math.max(this.max[key] ?? 0, value);
  }

  /** One check; a failed one is listed (bounded) with what was seen. */
  check(ok: boolean, name: string, detail?: string): boolean {
    if (ok) this.passed++;
    else {
      this.failed++;
      if (this.failures.length < 200) {
        this.failures.push(
          `${name}${detail ? `: ${detail.slice(0, 400)}` : ''}`,
        );
      }
    }
    return ok;
  }

  write() {
    const file = process.env.RELIABILITY_METRICS;
    const line = JSON.stringify({
      section: this.section,
      counters: this.counters,
      max: this.max,
      passed: this.passed,
      failed: this.failed,
      failures: this.failures,
    });
    if (file) fs.appendFileSync(file, `${line}\n`);
    if (this.failures.length) {
      process.stderr.write(
        `[${this.section}] failures:\n  ${this.failures.join('\n  ')}\n`,
      );
    }
  }
}
