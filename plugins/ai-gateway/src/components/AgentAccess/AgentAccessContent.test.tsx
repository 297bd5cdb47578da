import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  agentAccess,
  agentEntity,
  healthDone,
  healthFirstPass,
  notAdmittedAccess,
} from '../../__testUtils__/fixtures';
import {
  API,
  mockHealth,
  polledEvery,
  render,
  slow,
  watchFlicker,
} from '../../__testUtils__/render';
import { AgentAccessContent } from './AgentAccessContent';

const ACCESS_URL = `${API}/agents/default/weather-agent/access`;

describe('AgentAccessContent', () => {
  const server = setupServer(mockHealth());
  registerMswTestHooks(server);

  const respond = (body: unknown, status = 200) =>
    server.use(
      http.get(ACCESS_URL, () => HttpResponse.json(body as any, { status })),
    );

  it('shows progress while loading', async () => {
    server.use(
      http.get(ACCESS_URL, async () => {
        await delay('infinite');
        return HttpResponse.json(agentAccess);
      }),
    );
    await render(<AgentAccessContent />, agentEntity);
    expect(
      await screen.findByRole('progressbar', { name: 'Loading AI access' }),
    ).toBeInTheDocument();
  });

  it('shows identity, models with provider chain and limits, conditions and how to call', async () => {
    respond(agentAccess);
    await render(<AgentAccessContent />, agentEntity);

    // SPIFFE identity card
    const dl = await screen.findByLabelText('SPIFFE identity');
    expect(
      within(dl).getByText('spiffe://localtest.me/ns/team1/sa/weather-agent'),
    ).toBeInTheDocument();
    expect(within(dl).getByText('localtest.me')).toBeInTheDocument();
    expect(within(dl).getByText('weather-agent')).toBeInTheDocument();
    const admission = screen.getByRole('list', {
      name: 'Admission by gateway',
    });
    expect(
      within(admission).getByText('Admitted to ai-gateway'),
    ).toBeInTheDocument();
    expect(
      within(admission).getByRole('link', { name: 'ai-gateway-access' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/aiaccesspolicy/ai-gateway-access',
    );

    // Model access table
    const models = screen.getByRole('region', { name: 'Model access' });
    const table = within(models).getByRole('table');
    const gptRow = within(table).getByText('gpt-4o').closest('tr')!;
    const chain = within(gptRow as HTMLElement).getByRole('list', {
      name: 'Provider chain',
    });
    const steps = within(chain).getAllByRole('listitem');
    expect(steps[0]).toHaveTextContent(
      'openai → gpt-4o (OpenAI; primary, weight 1)',
    );
    expect(steps[1]).toHaveTextContent(
      'azure → gpt-4o-2024-05-13 (AzureOpenAI; fallback 1, weight 1)',
    );
    expect(gptRow).toHaveTextContent('100,000 tokens / hour (total)');
    expect(gptRow).toHaveTextContent('Ready');
    const qwenRow = within(table)
      .getByText('qwen2.5:3b', { selector: 'td *, td' })
      .closest('tr')!;
    expect(qwenRow).toHaveTextContent('60 requests / minute');
    expect(qwenRow).toHaveTextContent('weight 3 (75%)');
    expect(qwenRow).toHaveTextContent('Not ready');
    expect(qwenRow).toHaveTextContent('CredentialSecretNotFound');

    // Conditions with good / bad / pending marks and age
    const conditions = screen.getByRole('region', {
      name: 'Gateway and policy conditions',
    });
    const bundleRow = within(conditions)
      .getByText('BundleReady')
      .closest('tr')!;
    expect(bundleRow).toHaveTextContent('BundleNotFound');
    expect(bundleRow).toHaveTextContent(
      'ConfigMap spire-system/spire-bundle not found',
    );
    expect(bundleRow).toHaveTextContent('2 minutes ago');
    expect(
      within(bundleRow as HTMLElement).getByTestId('status-error'),
    ).toBeInTheDocument();
    const programmedRow = within(conditions)
      .getAllByText('Programmed', { selector: 'td' })[0]
      .closest('tr')!;
    expect(
      within(programmedRow as HTMLElement).getByTestId('status-ok'),
    ).toBeInTheDocument();
    const routingRow = within(conditions)
      .getByText('RoutingActive')
      .closest('tr')!;
    expect(
      within(routingRow as HTMLElement).getByTestId('status-pending'),
    ).toBeInTheDocument();

    // How to call
    expect(screen.getByRole('textbox', { name: 'Endpoint URL' })).toHaveValue(
      'https://ai-gateway.team1.svc:8443/v1/chat/completions',
    );
    // The code snippets are highlighted lazily.
    await waitFor(() =>
      expect(document.body).toHaveTextContent(
        '--cert /run/spire/svids/svid.pem',
      ),
    );
    expect(document.body).toHaveTextContent(
      '--key /run/spire/svids/svid_key.pem',
    );
    expect(document.body).toHaveTextContent(
      '--cacert /run/spire/svids/bundle.pem',
    );
    expect(document.body).toHaveTextContent('"model": "gpt-4o"');

    // Not a local cluster: no banner
    expect(
      screen.queryByText('Local development cluster'),
    ).not.toBeInTheDocument();
  });

  it('says plainly when the cluster is the local development server', async () => {
    respond({ ...agentAccess, cluster: 'local', local: true });
    await render(<AgentAccessContent />, agentEntity);
    const banner = await screen.findByRole('status', {
      name: 'Local development cluster',
    });
    expect(banner).toHaveTextContent('Cluster local is the project');
  });

  it('explains why an agent is not admitted', async () => {
    respond(notAdmittedAccess);
    await render(<AgentAccessContent />, agentEntity);
    expect(
      await screen.findByText('Not admitted to ai-gateway'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/is not in the allowed subjects of ai-gateway-access/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/This agent is not admitted to any Gateway/),
    ).toBeInTheDocument();
    expect(screen.getByText(/Nothing to call yet/)).toBeInTheDocument();
  });

  it('shows an empty state with what to do when no gateway admits the agent', async () => {
    respond({ ...agentAccess, gateways: [] });
    await render(<AgentAccessContent />, agentEntity);
    expect(
      await screen.findByText('No AI Gateway admits this agent yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Ask your platform team for an AIAccessPolicy/),
    ).toBeInTheDocument();
  });

  it('warns with the cluster name and error when the cluster is unreachable', async () => {
    respond({
      ...agentAccess,
      gateways: [
        {
          ...agentAccess.gateways[0],
          gateway: {
            ...agentAccess.gateways[0].gateway,
            reachable: false,
            error: 'connect ECONNREFUSED 10.0.0.1:6443',
          },
        },
      ],
    });
    await render(<AgentAccessContent />, agentEntity);
    expect(
      await screen.findByText(/Cluster "prod-east" is unreachable/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/connect ECONNREFUSED 10\.0\.0\.1:6443/),
    ).toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    respond(
      {
        error: { name: 'Error', message: 'database is on fire' },
        response: { statusCode: 500 },
      },
      500,
    );
    await render(<AgentAccessContent />, agentEntity);
    expect(
      await screen.findByText(/Could not load AI Gateway data/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/database is on fire/).length).toBeGreaterThan(
      0,
    );
  });

  it('treats 404 as "not known yet", with advice', async () => {
    respond(
      {
        error: { name: 'NotFoundError', message: 'no agent' },
        response: { statusCode: 404 },
      },
      404,
    );
    await render(<AgentAccessContent />, agentEntity);
    expect(
      await screen.findByText('The AI Gateway does not know this agent yet'),
    ).toBeInTheDocument();
  });

  describe('while the backend’s first reconcile pass runs', () => {
    it('says so instead of "no AI Gateway admits this agent"', async () => {
      server.use(mockHealth(healthFirstPass));
      respond({ ...agentAccess, gateways: [] });
      await render(<AgentAccessContent />, agentEntity);
      expect(
        await screen.findByText('The first reconcile pass is still running'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/cannot tell yet which Gateways admit this agent/),
      ).toBeInTheDocument();
      expect(
        screen.queryByText('No AI Gateway admits this agent yet'),
      ).not.toBeInTheDocument();
      expect(
        screen.getByText(/Not known yet: the AI Gateway backend is still/),
      ).toBeInTheDocument();
      expect(
        screen.queryByText(/No Gateway has an access policy/),
      ).not.toBeInTheDocument();
    });

    it('shows the access by itself once the pass is done, without a spinner', async () => {
      let passDone = false;
      server.use(
        http.get(
          `${API}/health`,
          slow(() =>
            HttpResponse.json(passDone ? healthDone : healthFirstPass),
          ),
        ),
        http.get(
          ACCESS_URL,
          slow(() =>
            HttpResponse.json(
              passDone ? agentAccess : { ...agentAccess, gateways: [] },
            ),
          ),
        ),
      );
      await render(polledEvery(50, <AgentAccessContent />), agentEntity);
      await screen.findByText('The first reconcile pass is still running');
      const flicker = watchFlicker(
        screen.getByRole('group', { name: 'SPIFFE identity' }),
      );
      passDone = true;
      expect(
        await screen.findByRole('region', { name: 'Model access' }),
      ).toBeInTheDocument();
      expect(
        screen.queryByText('The first reconcile pass is still running'),
      ).not.toBeInTheDocument();
      expect(flicker()).toBe(false);
    });

    it('falls back to the usual empty state when the health cannot be read', async () => {
      server.use(
        http.get(`${API}/health`, () =>
          HttpResponse.json({ error: { message: 'x' } }, { status: 500 }),
        ),
      );
      respond({ ...agentAccess, gateways: [] });
      await render(<AgentAccessContent />, agentEntity);
      expect(
        await screen.findByText('No AI Gateway admits this agent yet'),
      ).toBeInTheDocument();
    });
  });

  describe('background refresh', () => {
    it('shows new data without a spinner', async () => {
      let answer: unknown = notAdmittedAccess;
      server.use(
        http.get(
          ACCESS_URL,
          slow(() => HttpResponse.json(answer as any)),
        ),
      );
      await render(polledEvery(50, <AgentAccessContent />), agentEntity);
      await screen.findByText('Not admitted to ai-gateway');
      const flicker = watchFlicker(
        screen.getByRole('group', { name: 'SPIFFE identity' }),
      );
      answer = agentAccess;
      expect(
        await screen.findByText('Admitted to ai-gateway'),
      ).toBeInTheDocument();
      expect(
        screen.queryByText('Not admitted to ai-gateway'),
      ).not.toBeInTheDocument();
      expect(flicker()).toBe(false);
    });

    it('keeps the last value when a refresh fails, says so quietly, and recovers', async () => {
      let failing = false;
      server.use(
        http.get(
          ACCESS_URL,
          slow(() =>
            failing
              ? HttpResponse.json(
                  {
                    error: { name: 'Error', message: 'backend restarting' },
                    response: { statusCode: 503 },
                  },
                  { status: 503 },
                )
              : HttpResponse.json(agentAccess),
          ),
        ),
      );
      await render(polledEvery(50, <AgentAccessContent />), agentEntity);
      await screen.findByText('Admitted to ai-gateway');
      const flicker = watchFlicker(
        screen.getByRole('group', { name: 'SPIFFE identity' }),
      );
      failing = true;
      const notice = await screen.findByRole('status', {
        name: 'Refresh failed',
      });
      expect(notice).toHaveTextContent(
        /Could not refresh: backend restarting\. Showing what was loaded/,
      );
      expect(screen.getByText('Admitted to ai-gateway')).toBeInTheDocument();
      expect(
        screen.getByRole('region', { name: 'Model access' }),
      ).toBeInTheDocument();
      expect(
        screen.queryByText(/Could not load AI Gateway data/),
      ).not.toBeInTheDocument();
      failing = false;
      await waitFor(() =>
        expect(
          screen.queryByRole('status', { name: 'Refresh failed' }),
        ).not.toBeInTheDocument(),
      );
      expect(flicker()).toBe(false);
    });

    it('stops when the tab is left', async () => {
      let calls = 0;
      server.use(
        http.get(ACCESS_URL, () => {
          calls += 1;
          return HttpResponse.json(agentAccess);
        }),
      );
      const view = await render(
        polledEvery(20, <AgentAccessContent />),
        agentEntity,
      );
      await waitFor(() => expect(calls).toBeGreaterThanOrEqual(3));
      view.unmount();
      const atUnmount = calls;
      await new Promise(resolve => setTimeout(resolve, 200));
      expect(calls).toBeLessThanOrEqual(atUnmount + 1); // one may have been in flight
      const settled = calls;
      await new Promise(resolve => setTimeout(resolve, 200));
      expect(calls).toBe(settled);
    });
  });
});
