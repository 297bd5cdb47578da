import { test, expect } from '@playwright/test';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  signInAsGuest,
  waitForBackend,
  waitForDemoProgrammed,
} from './helpers';

/*
 * The New AI agent template on the local default (no git host): the form, the run, and the new
 * agent in the catalog with its SPIFFE identity and models on the AI Access tab.
 */

// A fresh DNS-label name per run, so reruns never collide with an earlier agent.
const agentName = `e2e-agent-${Date.now().toString(36)}`;
// Where aigateway:publish:local writes on the local default (scaffolder.aiGateway.localPublishDirectory).
const publishedDir = path.resolve(
  __dirname,
  '../../../.dev/scaffolded',
  agentName,
);

test.beforeAll(async ({ request }) => {
  await waitForBackend(request);
  await waitForDemoProgrammed();
});

test.afterAll(async () => {
  // The catalog drops the entity at its next refresh of the scaffolded location.
  await rm(publishedDir, { recursive: true, force: true });
});

test('a developer creates an AI agent from the template and sees its AI access', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signInAsGuest(page);

  // Client-side navigation only: a full page load would ask for the guest sign-in again.
  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await nav.getByRole('link', { name: 'Create', exact: true }).click();
  await page
    .locator('.MuiCard-root')
    .filter({ hasText: 'New AI agent' })
    .getByRole('button', { name: 'Choose' })
    .click();
  await expect(page).toHaveURL(/\/create\/templates\/default\/new-ai-agent/);

  // Agent
  await page.getByLabel(/^Name/).fill(agentName);
  await page.getByLabel(/^Description/).fill('Created by the end-to-end test');
  // The pickers are autocompletes; their inputs carry the form's field ids.
  const owner = page.locator('#root_owner');
  await owner.click();
  await owner.fill('guests');
  await page
    .getByRole('option', { name: /guests/ })
    .first()
    .click();
  await page.getByRole('button', { name: /^Next/ }).click();

  // Models: team1 and gpt-4o are the defaults; the gateway comes from the catalog.
  await expect(page.getByLabel(/^Namespace/)).toHaveValue('team1');
  const gateway = page.locator('#root_gateway');
  // With one gateway in the catalog the picker selects it and locks itself.
  if (await gateway.isEnabled()) {
    await gateway.click();
    await page
      .getByRole('option', { name: /ai-gateway|AI Gateway \(team1\)/ })
      .first()
      .click();
  }
  await expect(gateway).toHaveValue(/ai-gateway/);
  await page.getByRole('button', { name: /^Next/ }).click();

  // Publish: the local default needs no git host.
  await page.getByRole('button', { name: /^Review/ }).click();
  await page.getByRole('button', { name: /^Create/ }).click();

  // The run's output: the identity and the endpoint, before any catalog page is opened.
  const spiffeId = `spiffe://localtest.me/ns/team1/sa/${agentName}`;
  const openAgent = page.getByRole('link', {
    name: /Open the agent in the catalog/,
  });
  await expect(openAgent).toBeVisible({ timeout: 120_000 });
  const outputText = page.getByRole('button', {
    name: /How the agent reaches its models/,
  });
  if (await outputText.isVisible()) await outputText.click();
  await expect(page.getByText(spiffeId).first()).toBeVisible();
  await expect(
    page.getByText('https://ai-gateway.team1.svc:8443/v1').first(),
  ).toBeVisible();

  // The agent reaches the catalog from the local folder (no git host) within seconds; until
  // it has, the entity page says it is not found, so go back to the task and try again.
  // Entity page tabs render as tabs or as links depending on the layout.
  const aiAccessTab = page
    .getByRole('tab', { name: 'AI Access' })
    .or(page.getByRole('link', { name: 'AI Access', exact: true }));
  await expect
    .poll(
      async () => {
        await openAgent.click();
        await expect(page).toHaveURL(
          new RegExp(`/catalog/default/component/${agentName}`),
        );
        if (
          await aiAccessTab
            .waitFor({ timeout: 5_000 })
            .then(() => true)
            .catch(() => false)
        ) {
          return true;
        }
        await page.goBack();
        return false;
      },
      { timeout: 120_000, intervals: [2_000] },
    )
    .toBe(true);

  // … and its AI Access tab fills in: SPIFFE ID, admitted by the gateway, with its models.
  await aiAccessTab.click();
  const identity = page.getByRole('group', { name: 'SPIFFE identity' });
  await expect(identity.getByText(spiffeId)).toBeVisible();
  await expect(
    page
      .getByRole('region', { name: 'Model access' })
      .getByText('gpt-4o')
      .first(),
  ).toBeVisible();
});
