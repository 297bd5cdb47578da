import { defineConfig } from '@playwright/test';

/*
 * End-to-end tests drive the system Chromium (never a browser downloaded by Playwright) against
 * the app started on its local default by `npm start` (scripts/start.sh).
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'packages/app/e2e-tests',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // One app, one browser: tests share the running app and its cluster.
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  webServer: {
    command: 'bash scripts/start.sh',
    // The frontend dev server answers once webpack has compiled; the tests then wait for the
    // backend's readiness themselves.
    url: 'http://localhost:3000',
    reuseExistingServer: !process.env.CI,
    timeout: 600_000,
    stdout: 'ignore',
    stderr: 'pipe',
    // scripts/start.sh stops the Backstage process group it started on SIGTERM; the default
    // SIGKILL would leave that group running and holding the output pipes, and the run never ends.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
  },
  reporter: [
    ['list'],
    ['json', { outputFile: 'test-results/e2e.json' }],
    ['html', { open: 'never', outputFolder: 'test-results/e2e-report' }],
  ],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
    actionTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
