import { expect, APIRequestContext, Page } from '@playwright/test';

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
