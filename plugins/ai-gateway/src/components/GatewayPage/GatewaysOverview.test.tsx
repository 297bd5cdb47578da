import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { gateway, healthFirstPass } from '../../__testUtils__/fixtures';
import {
  API,
  mockHealth,
  polledEvery,
  render,
  slow,
  watchFlicker,
} from '../../__testUtils__/render';
import { AiGatewayPage } from './AiGatewayPage';
import { GatewaysOverview } from './GatewaysOverview';

const URL = `${API}/gateways`;

describe('GatewaysOverview', () => {
  const server = setupServer(mockHealth());
  registerMswTestHooks(server);

  const respond = (body: unknown, status = 200) =>
    server.use(http.get(URL, () => HttpResponse.json(body as any, { status })));

  it('shows progress while loading', async () => {
    server.use(
      http.get(URL, async () => {
        await delay('infinite');
        return HttpResponse.json([]);
      }),
    );
    await render(<GatewaysOverview />);
    expect(
      await screen.findByRole('progressbar', { name: 'Loading gateways' }),
    ).toBeInTheDocument();
  });

  it('lists gateways with health and policies, linking to the catalog', async () => {
    respond([{ ...gateway, cluster: 'prod-east' }]);
    await render(<GatewaysOverview />);
    const gateways = await screen.findByRole('region', { name: 'Gateways' });
    const row = within(gateways)
      .getByRole('link', { name: 'ai-gateway' })
      .closest('tr')!;
    expect(
      within(gateways).getByRole('link', { name: 'ai-gateway' }),
    ).toHaveAttribute('href', '/catalog/default/resource/ai-gateway');
    expect(row).toHaveTextContent('https://ai-gateway.team1.svc:8443');
    expect(row).toHaveTextContent('prod-east');
    const health = within(row as HTMLElement).getByRole('list', {
      name: 'Conditions of ai-gateway',
    });
    expect(within(health).getAllByTestId('status-ok')).toHaveLength(2);
    const policies = within(row as HTMLElement).getByRole('list', {
      name: 'Policies on ai-gateway',
    });
    expect(
      within(policies).getByRole('link', { name: 'team1-models' }),
    ).toHaveAttribute('href', '/catalog/default/airoutingpolicy/team1-models');
    expect(policies).toHaveTextContent('Not programmed: BundleNotFound');

    const policyTable = screen.getByRole('region', { name: 'Policies' });
    const accessRow = within(policyTable)
      .getByRole('link', { name: 'ai-gateway-access' })
      .closest('tr')!;
    expect(accessRow).toHaveTextContent('AIAccessPolicy');
    expect(
      within(accessRow as HTMLElement).getByTestId('status-error'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('Local development cluster'),
    ).not.toBeInTheDocument();
  });

  it('shows gateways without a catalog entity by name', async () => {
    respond([{ ...gateway, entity: undefined, policies: [] }]);
    await render(<GatewaysOverview />);
    const gateways = await screen.findByRole('region', { name: 'Gateways' });
    expect(within(gateways).getByText('ai-gateway')).toBeInTheDocument();
    expect(within(gateways).getByText('No policies')).toBeInTheDocument();
    expect(
      screen.getByText(/No policies target these Gateways/),
    ).toBeInTheDocument();
  });

  it('shows an empty state with what to do', async () => {
    respond([]);
    await render(<GatewaysOverview />);
    expect(await screen.findByText('No AI Gateways yet')).toBeInTheDocument();
    expect(
      screen.getByText(/register the Gateway as a Resource of type ai-gateway/),
    ).toBeInTheDocument();
  });

  it('says plainly when a cluster is the local development server', async () => {
    respond([{ ...gateway, local: true }]);
    await render(<GatewaysOverview />);
    const banner = await screen.findByRole('status', {
      name: 'Local development cluster',
    });
    expect(banner).toHaveTextContent('Cluster local is the project');
  });

  it('warns per unreachable cluster, with its error', async () => {
    respond([
      {
        ...gateway,
        cluster: 'prod-west',
        reachable: false,
        error: 'getaddrinfo ENOTFOUND api.prod-west',
        conditions: [],
      },
      {
        ...gateway,
        name: 'other',
        cluster: 'prod-west',
        reachable: false,
        error: 'getaddrinfo ENOTFOUND api.prod-west',
        conditions: [],
        policies: [],
      },
    ]);
    await render(<GatewaysOverview />);
    expect(
      await screen.findAllByText(/Cluster "prod-west" is unreachable/),
    ).toHaveLength(1);
    expect(
      screen.getByText(/getaddrinfo ENOTFOUND api\.prod-west/, {
        selector: 'p, p *',
      }),
    ).toBeInTheDocument();
    const gateways = screen.getByRole('region', { name: 'Gateways' });
    expect(within(gateways).getAllByText('Cluster unreachable')).toHaveLength(
      2,
    );
    const policies = screen.getByRole('region', { name: 'Policies' });
    expect(
      within(policies).getAllByText('Unknown: cluster unreachable'),
    ).toHaveLength(2);
  });

  it('shows the backend error', async () => {
    respond(
      {
        error: { name: 'NotAllowedError', message: 'nope' },
        response: { statusCode: 403 },
      },
      403,
    );
    await render(<GatewaysOverview />);
    expect(
      await screen.findByText(/Could not load AI Gateway data/),
    ).toBeInTheDocument();
  });

  it('explains a missing backend (404)', async () => {
    respond(
      {
        error: { name: 'NotFoundError', message: 'x' },
        response: { statusCode: 404 },
      },
      404,
    );
    await render(<GatewaysOverview />);
    expect(
      await screen.findByText('The AI Gateway backend is not installed'),
    ).toBeInTheDocument();
  });

  it('refreshes on demand', async () => {
    let calls = 0;
    server.use(
      http.get(URL, () => {
        calls += 1;
        return HttpResponse.json(calls === 1 ? [] : [gateway]);
      }),
    );
    await render(<GatewaysOverview />);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Refresh gateways' }),
    );
    expect(
      await screen.findByRole('region', { name: 'Gateways' }),
    ).toBeInTheDocument();
    expect(calls).toBe(2);
  });

  it('is wrapped in a page with a header in the legacy system', async () => {
    respond([gateway]);
    await render(<AiGatewayPage />);
    expect(
      await screen.findByRole('heading', { name: 'AI Gateway' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('region', { name: 'Gateways' }),
    ).toBeInTheDocument();
  });

  it('says when the first reconcile pass is still running, then lists the gateways by itself', async () => {
    let passDone = false;
    server.use(
      mockHealth(healthFirstPass),
      http.get(
        URL,
        slow(() => HttpResponse.json(passDone ? [gateway] : [])),
      ),
    );
    await render(polledEvery(50, <GatewaysOverview />));
    expect(
      await screen.findByText('The first reconcile pass is still running'),
    ).toBeInTheDocument();
    expect(screen.queryByText('No AI Gateways yet')).not.toBeInTheDocument();
    const flicker = watchFlicker(
      screen.getByRole('button', { name: 'Refresh gateways' }),
    );
    passDone = true;
    expect(
      await screen.findByRole('region', { name: 'Gateways' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('The first reconcile pass is still running'),
    ).not.toBeInTheDocument();
    expect(flicker()).toBe(false);
  });

  it('refreshes in the background, keeping the list when a refresh fails', async () => {
    let answer: 'one' | 'two' | 'fail' = 'one';
    server.use(
      http.get(
        URL,
        slow(() => {
          if (answer === 'fail') {
            return HttpResponse.json(
              {
                error: { name: 'Error', message: 'socket hang up' },
                response: { statusCode: 502 },
              },
              { status: 502 },
            );
          }
          return HttpResponse.json(
            answer === 'one'
              ? [gateway]
              : [gateway, { ...gateway, name: 'two', entity: undefined }],
          );
        }),
      ),
    );
    await render(polledEvery(50, <GatewaysOverview />));
    const gateways = await screen.findByRole('region', { name: 'Gateways' });
    const flicker = watchFlicker(gateways);
    answer = 'two';
    expect(await within(gateways).findByText('two')).toBeInTheDocument();
    answer = 'fail';
    expect(
      await screen.findByRole('status', { name: 'Refresh failed' }),
    ).toHaveTextContent('socket hang up');
    expect(within(gateways).getByText('two')).toBeInTheDocument();
    answer = 'one';
    await waitFor(() =>
      expect(within(gateways).queryByText('two')).not.toBeInTheDocument(),
    );
    expect(
      screen.queryByRole('status', { name: 'Refresh failed' }),
    ).not.toBeInTheDocument();
    expect(flicker()).toBe(false);
  });
});
