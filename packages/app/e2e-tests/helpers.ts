import { expect, APIRequestContext, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const backendUrl = process.env.BACKEND_URL ?? 'http://localhost:7007';

/** Waits until the Backstage backend reports ready (the frontend may be up first). */
export async function waitForBackend(request: APIRequestContext) {
  await expect
    .poll(
      async () => {
        try {
          const res = await request.get(
            `${backendUrl}/.backstage/health/v1/readiness`,
          );
          return res.status();
        } catch {
          return 0;
        }
      },
      { timeout: 300_000, intervals: [1_000] },
    )
    .toBe(200);
}

const kubeconfig = path.resolve(__dirname, '../../../.dev/kubeconfig');

/** kubectl against the local default's Kubernetes development server, as a user runs it. */
export function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
  });
}

/** `kubectl create -f -` of one object. */
export function kubectlCreate(object: unknown): string {
  return execFileSync(
    'kubectl',
    ['--kubeconfig', kubeconfig, 'create', '-f', '-'],
    { encoding: 'utf8', input: JSON.stringify(object) },
  );
}

/**
 * Waits until the demo policies are Programmed in the local cluster, as `kubectl get airp,aiap -A`
 * shows them: on a fresh start the catalog ingests the examples and the reconciler's first pass
 * follows, a little after the backend reports ready.
 */
export async function waitForDemoProgrammed() {
  await expect
    .poll(
      () => {
        try {
          return kubectl(
            'get',
            'airp,aiap',
            '-n',
            'team1',
            '-o',
            'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Programmed")].status} {end}',
          ).trim();
        } catch {
          return '';
        }
      },
      { timeout: 300_000, intervals: [2_000] },
    )
    .toBe('team1-models=True ai-gateway-access=True');
}

/** Signs in with the guest provider of the local default. */
export async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  // The nav element itself has no box of its own; its links do.
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}
