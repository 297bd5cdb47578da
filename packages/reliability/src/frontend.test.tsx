/**
 * @jest-environment @backstage/cli-module-test-jest/config/jest-environment-jsdom
 */
/*
 * The frontend's pages rendered from the real backend's answers (captured by security.test.ts in
 * the first jest run of bin/reliability.js, with secrets planted in the cluster): no planted value
 * may appear in the rendered HTML, including the dry-run dialog.
 */
import '@testing-library/jest-dom';
import fs from 'node:fs';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { Entity } from '@backstage/catalog-model';
// The views and the test renderer of the frontend plugin, which its package does not export.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  API,
  render,
} from '../../../plugins/ai-gateway/src/__testUtils__/render';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { AgentAccessContent } from '../../../plugins/ai-gateway/src/components/AgentAccess/AgentAccessContent';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { PolicyContent } from '../../../plugins/ai-gateway/src/components/PolicyStatus/PolicyContent';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { GatewaysOverview } from '../../../plugins/ai-gateway/src/components/GatewayPage/GatewaysOverview';
import { Tally } from './metrics';

const file = process.env.RELIABILITY_RESPONSES;
const suite = file && fs.existsSync(file) ? describe : describe.skip;
jest.setTimeout(120_000);

const tally = new Tally('frontend');

suite('the frontend renders the real responses without secrets', () => {
  const data =
    file && fs.existsSync(file)
      ? JSON.parse(fs.readFileSync(file, 'utf8'))
      : {};
  const server = setupServer(
    http.get(`${API}/agents/default/weather-agent/access`, () =>
      HttpResponse.json(data.agentAccess),
    ),
    http.get(`${API}/policies/default/airoutingpolicy/team1-models`, () =>
      HttpResponse.json(data.routingStatus),
    ),
    http.get(`${API}/policies/default/aiaccesspolicy/ai-gateway-access`, () =>
      HttpResponse.json(data.accessStatus),
    ),
    http.get(`${API}/policies/default/airoutingpolicy/far-models`, () =>
      HttpResponse.json(data.farStatus),
    ),
    http.get(`${API}/gateways`, () => HttpResponse.json(data.gateways)),
    http.post(
      `${API}/policies/default/airoutingpolicy/team1-models/dry-run`,
      () => HttpResponse.json(data.routingDryRun),
    ),
    http.post(
      `${API}/policies/default/aiaccesspolicy/ai-gateway-access/dry-run`,
      () => HttpResponse.json(data.accessDryRun),
    ),
  );
  registerMswTestHooks(server);
  let leaks = 0;
  const entity = (name: string): Entity =>
    data.entities.find((e: Entity) => e.metadata.name === name);

  const check = (page: string) => {
    const html = document.body.innerHTML;
    const found = (data.forbidden as string[]).filter(v => html.includes(v));
    leaks += found.length;
    tally.check(
      found.length === 0,
      `no secret in the rendered ${page}`,
      found.map(f => f.slice(0, 12)).join(', '),
    );
    // Not vacuous: the page shows what it is about.
    tally.check(
      html.length > 2000,
      `${page} rendered content`,
      `${html.length} characters`,
    );
  };

  afterAll(() => {
    tally.add('secret_leaks', leaks);
    tally.write();
  });

  it('agent access page', async () => {
    await render(<AgentAccessContent />, entity('weather-agent'));
    await screen.findByLabelText('SPIFFE identity');
    check('agent access page');
  });

  it('routing and access policy pages, with their dry-run dialogs', async () => {
    for (const [name, kind] of [
      ['team1-models', 'routing'],
      ['ai-gateway-access', 'access'],
    ]) {
      const view = await render(<PolicyContent />, entity(name));
      await userEvent.click(
        await screen.findByRole('button', { name: `Dry run ${name}` }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Dry run against the live cluster',
      });
      await within(dialog).findByRole('region', { name: 'Changes' });
      check(`${kind} policy page with its dry run`);
      view.unmount();
    }
  });

  it('gateways page', async () => {
    await render(<GatewaysOverview />);
    await screen.findAllByText('ai-gateway');
    check('gateways page');
  });
});
