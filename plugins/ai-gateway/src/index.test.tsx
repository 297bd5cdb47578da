import { EntityProvider } from '@backstage/plugin-catalog-react';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import * as legacy from './index';
import {
  agentAccess,
  agentEntity,
  routingPolicyEntity,
  routingStatus,
} from './__testUtils__/fixtures';
import { API, createClient } from './__testUtils__/render';

describe('ai-gateway package root (legacy frontend system)', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  it('exports the plugin, its extensions, predicates and API', () => {
    expect(legacy.aiGatewayPlugin.getId()).toBe('ai-gateway');
    expect(legacy.aiGatewayPlugin.routes.root).toBe(legacy.aiGatewayRouteRef);
    for (const name of [
      'AiGatewayPage',
      'EntityAiAccessContent',
      'EntityAiModelsCard',
      'EntityAiPolicyContent',
      'EntityAiGatewayContent',
      'isAIGatewayEntity',
      'isAgentEntity',
      'isAIPolicyEntity',
      'isAIRoutingPolicyEntity',
      'isAIAccessPolicyEntity',
      'AiGatewayClient',
      'aiGatewayApiRef',
    ] as const) {
      expect(legacy[name]).toBeDefined();
    }
    // The root is not a new-system feature, so app discovery skips it.
    expect((legacy as Record<string, unknown>).default).toBeUndefined();
  });

  it('renders the agent tab as a legacy component extension', async () => {
    server.use(
      http.get(`${API}/agents/default/weather-agent/access`, () =>
        HttpResponse.json(agentAccess),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[legacy.aiGatewayApiRef, createClient()]]}>
        <EntityProvider entity={agentEntity}>
          <legacy.EntityAiAccessContent />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(await screen.findByLabelText('SPIFFE identity')).toBeInTheDocument();
  });

  it('renders the policy tab as a legacy component extension', async () => {
    server.use(
      http.get(`${API}/policies/default/airoutingpolicy/team1-models`, () =>
        HttpResponse.json(routingStatus),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[legacy.aiGatewayApiRef, createClient()]]}>
        <EntityProvider entity={routingPolicyEntity}>
          <legacy.EntityAiPolicyContent />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByRole('region', { name: 'Providers' }),
    ).toBeInTheDocument();
  });
});
