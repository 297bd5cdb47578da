import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  registerMswTestHooks,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import plugin, {
  aiGatewayApi,
  aiGatewayPage,
  entityAiAccessContent,
  entityAiGatewayContent,
  entityAiModelsCard,
  entityAiPolicyContent,
} from './alpha';
import {
  agentAccess,
  agentEntity,
  gateway,
  gatewayEntity,
  routingPolicyEntity,
  routingStatus,
  serviceEntity,
} from './__testUtils__/fixtures';
import { API } from './__testUtils__/render';

const entityExtensions = [
  aiGatewayApi,
  entityAiAccessContent,
  entityAiPolicyContent,
  entityAiGatewayContent,
  entityAiModelsCard,
];

describe('ai-gateway /alpha (new frontend system)', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  beforeEach(() => {
    server.use(
      http.get(`${API}/agents/default/weather-agent/access`, () =>
        HttpResponse.json(agentAccess),
      ),
      http.get(`${API}/policies/default/airoutingpolicy/team1-models`, () =>
        HttpResponse.json(routingStatus),
      ),
      http.get(`${API}/gateways`, () => HttpResponse.json([gateway])),
    );
  });

  it('is a frontend plugin with the page, API, tabs and card', () => {
    expect(plugin.id).toBe('ai-gateway');
    for (const id of [
      'api:ai-gateway',
      'page:ai-gateway',
      'entity-content:ai-gateway/ai-access',
      'entity-content:ai-gateway/ai-policy',
      'entity-content:ai-gateway/gateway',
      'entity-card:ai-gateway/ai-models',
    ]) {
      expect(plugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('gives the page a title and icon, which make its nav item', () => {
    const tester = createExtensionTester(aiGatewayPage);
    expect(tester.get(coreExtensionData.title)).toBe('AI Gateway');
    expect(tester.get(coreExtensionData.routePath)).toBe('/ai-gateway');
  });

  it('names the tabs', () => {
    expect(
      createExtensionTester(entityAiAccessContent).get(
        coreExtensionData.routePath,
      ),
    ).toBe('/ai-access');
    expect(
      createExtensionTester(entityAiPolicyContent).get(
        coreExtensionData.routePath,
      ),
    ).toBe('/ai-gateway');
  });

  it('shows the AI Access tab and models card on agents only', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: agentEntity }),
        ...entityExtensions,
      ],
    });
    expect(
      await screen.findAllByText(
        'spiffe://localtest.me/ns/team1/sa/weather-agent',
      ),
    ).not.toHaveLength(0);
    expect(
      await screen.findByRole('list', { name: 'AI models' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('region', { name: 'Providers' }),
    ).not.toBeInTheDocument();
  });

  it('shows the policy tab on policies only', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: routingPolicyEntity }),
        ...entityExtensions,
      ],
    });
    expect(
      await screen.findByRole('region', { name: 'Providers' }),
    ).toBeInTheDocument();
    expect(screen.queryByText('SPIFFE identity')).not.toBeInTheDocument();
    expect(screen.queryByText('AI models')).not.toBeInTheDocument();
  });

  it('shows the gateway tab on ai-gateway Resources only', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: gatewayEntity }),
        ...entityExtensions,
      ],
    });
    expect(
      await screen.findByRole('region', { name: 'Gateway conditions' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('region', { name: 'Providers' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByText('AI models')).not.toBeInTheDocument();
  });

  it('adds nothing to other entities', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: serviceEntity }),
        ...entityExtensions,
      ],
    });
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });

  it('serves the AI Gateway page through the API extension', async () => {
    renderTestApp({
      extensions: [aiGatewayPage, aiGatewayApi],
      initialRouteEntries: ['/ai-gateway'],
      // The catalog plugin binds this in a real app; the page links to entities.
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });
    expect(
      await screen.findByRole('region', { name: 'Gateways' }),
    ).toBeInTheDocument();
  });
});
