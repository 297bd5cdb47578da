import { test, expect } from '@playwright/test';
import { signInAsGuest, waitForBackend } from './helpers';

test.beforeAll(async ({ request }) => {
  await waitForBackend(request);
});

test('a guest signs in and finds this project in the catalog', async ({
  page,
}) => {
  await signInAsGuest(page);

  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await nav.getByRole('link', { name: 'Catalog', exact: true }).click();

  // The catalog lists Components by default; this project describes itself as one.
  const projectLink = page.getByRole('link', {
    name: 'Kagenti AI Gateway plugins',
  });
  await expect(projectLink).toBeVisible();
  await projectLink.click();

  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/kagenti-ai-gateway/,
  );
  await expect(page.getByText('govern how AI agents').first()).toBeVisible();
});
