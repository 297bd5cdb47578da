import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  agentAccess,
  agentEntity,
  notAdmittedAccess,
} from '../../__testUtils__/fixtures';
import { API, render } from '../../__testUtils__/render';
import { AgentAccessContent } from './AgentAccessContent';

const ACCESS_URL = `${API}/agents/default/weather-agent/access`;

describe('AgentAccessContent', () => {
  const server = setupServer();
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
});
