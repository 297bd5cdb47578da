import { test, expect, Page } from '@playwright/test';
import path from 'node:path';
import {
  kubectl,
  kubectlCreate,
  signInAsGuest,
  waitForBackend,
  waitForDemoProgrammed,
} from './helpers';

/*
 * The AI Gateway views on the local default, as a developer and a platform engineer use them:
 * an agent's AI Access tab, a routing policy, the AI Gateway page, and a broken access policy
 * (its bundle ConfigMap deleted with kubectl) showing its failing condition.
 * Screenshots named after what they show go to test-results/screenshots/.
 */

const repoRoot = path.resolve(__dirname, '../../..');
const screenshots = path.join(repoRoot, 'test-results/screenshots');

async function openFromCatalog(page: Page, title: string) {
  // Client-side navigation only: a full page load asks for the guest sign-in again.
  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await nav.getByRole('link', { name: 'Catalog', exact: true }).click();
  await page.getByRole('link', { name: title, exact: true }).click();
}

/** The policy entity's own tab (the sidebar has a link of the same name, listed first). */
async function openPolicyTab(page: Page) {
  await page
    .getByRole('link', { name: 'AI Gateway', exact: true })
    .last()
    .click();
}

test.beforeAll(async ({ request }) => {
  await waitForBackend(request);
  await waitForDemoProgrammed();
});

test.beforeEach(async ({ page }) => {
  await signInAsGuest(page);
});

test('an agent shows its models, SPIFFE identity and healthy conditions', async ({
  page,
}) => {
  await openFromCatalog(page, 'Weather agent');
  await page.getByRole('link', { name: 'AI Access', exact: true }).click();

  const identity = page.getByRole('group', { name: 'SPIFFE identity' });
  await expect(
    identity.getByText('spiffe://localtest.me/ns/team1/sa/weather-agent'),
  ).toBeVisible();
  await expect(page.getByText('Admitted to ai-gateway').first()).toBeVisible();

  const models = page.getByRole('region', { name: 'Model access' });
  await expect(models.getByText('gpt-4o', { exact: true })).toBeVisible();
  await expect(models.getByText('qwen2.5:3b', { exact: true })).toBeVisible();
  await expect(models.getByText(/100,000 tokens \/ hour/)).toBeVisible();

  const conditions = page.getByRole('region', {
    name: 'Gateway and policy conditions',
  });
  await expect(conditions.getByText('Programmed').first()).toBeVisible();
  await expect(conditions.getByText('False', { exact: true })).toHaveCount(0);

  await expect(
    page.getByText('https://ai-gateway.team1.svc:8443').first(),
  ).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'agent-ai-access.png'),
    fullPage: true,
  });
});

test('a routing policy shows providers, models and rendered objects in sync', async ({
  page,
}) => {
  await openFromCatalog(page, 'Weather agent');
  await page.getByRole('link', { name: 'AI Access', exact: true }).click();
  await page
    .getByRole('region', { name: 'Model access' })
    .getByRole('link', { name: 'team1 models' })
    .first()
    .click();
  await expect(page).toHaveURL(/\/airoutingpolicy\/team1-models/);
  await openPolicyTab(page);

  const providers = page.getByRole('region', { name: 'Providers' });
  for (const provider of ['openai', 'azure', 'bedrock', 'ollama']) {
    await expect(providers.getByText(provider, { exact: true })).toBeVisible();
  }
  await expect(providers.getByText('openai-secret')).toBeVisible();

  const objects = page.getByRole('region', { name: 'Rendered objects' });
  await expect(objects.getByText('AIGatewayRoute').first()).toBeVisible();
  await expect(objects.getByText(/drifted|missing/i)).toHaveCount(0);
  await page.screenshot({
    path: path.join(screenshots, 'routing-policy.png'),
    fullPage: true,
  });
});

test('the AI Gateway page lists the gateway with its policies', async ({
  page,
}) => {
  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await nav.getByRole('link', { name: 'AI Gateway', exact: true }).click();

  const gateways = page.getByRole('region', { name: 'Gateways' });
  await expect(gateways.getByText('ai-gateway').first()).toBeVisible();
  const policies = page.getByRole('region', { name: 'Policies' });
  await expect(policies.getByText('team1 models').first()).toBeVisible();
  await expect(
    policies.getByText('AI Gateway access (team1)').first(),
  ).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'ai-gateway-page.png'),
    fullPage: true,
  });
});

test('deleting the trust bundle ConfigMap shows BundleNotFound on the access policy', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const bundle = kubectl(
    'get',
    'configmap',
    'spire-bundle',
    '-n',
    'spire-system',
    '-o',
    'json',
  );
  kubectl('delete', 'configmap', 'spire-bundle', '-n', 'spire-system');
  try {
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    await nav.getByRole('link', { name: 'AI Gateway', exact: true }).click();
    await page
      .getByRole('region', { name: 'Policies' })
      .getByRole('link', { name: 'AI Gateway access (team1)' })
      .first()
      .click();
    await expect(page).toHaveURL(/\/aiaccesspolicy\/ai-gateway-access/);
    await openPolicyTab(page);

    // The reconciler watches bundle ConfigMaps and the tab refreshes itself in the background:
    // the failing condition shows within one reconcile, with no reload and no re-opening.
    await expect(page.getByText('BundleNotFound').first()).toBeVisible({
      timeout: 120_000,
    });
    await page.screenshot({
      path: path.join(screenshots, 'access-policy-bundle-not-found.png'),
      fullPage: true,
    });
  } finally {
    // Put the demo back the way it was.
    const restored = JSON.parse(bundle);
    delete restored.metadata.resourceVersion;
    delete restored.metadata.uid;
    delete restored.metadata.creationTimestamp;
    delete restored.metadata.managedFields;
    kubectlCreate(restored);
  }
});
