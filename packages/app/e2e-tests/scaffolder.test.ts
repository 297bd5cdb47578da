import { test, expect } from '@playwright/test';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { signInAsGuest, waitForBackend } from './helpers';

/*
 * The New AI agent template on the local default (no git host): the form, the run, and the new
 * agent in the catalog with its SPIFFE identity and models on the AI Access tab.
 */

// A fresh DNS-label name per run, so reruns never collide with an earlier agent.
const agentName = `e2e-agent-${Date.now().toString(36)}`;
// Where aigateway:publish:local writes on the local default (scaffolder.aiGateway.localPublishDirectory).
const publishedDir = path.resolve(__dirname, '../../../.dev/scaffolded', agentName);

test.beforeAll(async ({ request }) => {
  await waitForBackend(request);
});

test.afterAll(async () => {
  // The catalog drops the entity at its next refresh of the scaffolded location.
  await rm(publishedDir, { recursive: true, force: true });
});

test('a developer creates an AI agent from the template and sees its AI access', async ({ page }) => {
  test.setTimeout(240_000);
  await signInAsGuest(page);

  await page.goto('/create');
  await expect(page.getByText('New AI agent').first()).toBeVisible();
  await page.goto('/create/templates/default/new-ai-agent');

  // Agent
  await page.getByRole('textbox', { name: /^Name/ }).fill(agentName);
  await page.getByRole('textbox', { name: /^Description/ }).fill('Created by the end-to-end test');
  const owner = page.getByRole('combobox', { name: /^Owner/ });
  await owner.click();
  await owner.fill('guests');
  await page.getByRole('option', { name: /guests/ }).first().click();
  await page.getByRole('button', { name: /^Next/ }).click();

  // Models: team1 and gpt-4o are the defaults; the gateway comes from the catalog.
  await expect(page.getByRole('textbox', { name: /^Namespace/ })).toHaveValue('team1');
  const gateway = page.getByRole('combobox', { name: /^AI Gateway/ });
  await gateway.click();
  await page.getByRole('option', { name: /ai-gateway|AI Gateway \(team1\)/ }).first().click();
  await page.getByRole('button', { name: /^Next/ }).click();

  // Publish: the local default needs no git host.
  await page.getByRole('button', { name: /^Review/ }).click();
  await page.getByRole('button', { name: /^Create/ }).click();

  // The run's output: the identity and the endpoint, before any catalog page is opened.
  const spiffeId = `spiffe://localtest.me/ns/team1/sa/${agentName}`;
  await expect(page.getByText(spiffeId).first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText('https://ai-gateway.team1.svc:8443/v1').first()).toBeVisible();

  // The agent reaches the catalog from the local folder (no git host) …
  await page.getByRole('link', { name: /Open the agent in the catalog/ }).click();
  await expect(page).toHaveURL(new RegExp(`/catalog/default/component/${agentName}`));
  await expect
    .poll(
      async () => {
        if (await page.getByRole('tab', { name: 'AI Access' }).isVisible()) return true;
        await page.reload();
        return false;
      },
      { timeout: 120_000, intervals: [3_000] },
    )
    .toBe(true);

  // … and its AI Access tab fills in: SPIFFE ID, admitted by the gateway, with its models.
  await page.getByRole('tab', { name: 'AI Access' }).click();
  const identity = page.getByRole('group', { name: 'SPIFFE identity' });
  await expect(identity.getByText(spiffeId)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Model access' }).getByText('gpt-4o').first()).toBeVisible();
});
