import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  agentAccess,
  agentEntity,
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
import { ModelAccessCard } from './ModelAccessCard';

const ACCESS_URL = `${API}/agents/default/weather-agent/access`;

describe('ModelAccessCard', () => {
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
    await render(<ModelAccessCard />, agentEntity);
    expect(
      await screen.findByRole('progressbar', { name: 'Loading AI models' }),
    ).toBeInTheDocument();
  });

  it('lists the models with readiness and limits', async () => {
    respond(agentAccess);
    await render(<ModelAccessCard />, agentEntity);
    const list = await screen.findByRole('list', { name: 'AI models' });
    const items = within(list).getAllByRole('listitem', { name: undefined });
    expect(list).toHaveTextContent('gpt-4o');
    expect(list).toHaveTextContent('100,000 tokens / hour (total)');
    expect(list).toHaveTextContent('via team1/ai-gateway');
    expect(within(list).getByTestId('status-ok')).toBeInTheDocument();
    expect(within(list).getByTestId('status-error')).toBeInTheDocument();
    expect(items.length).toBeGreaterThanOrEqual(2);
  });

  it('says when the agent cannot call any model', async () => {
    respond(notAdmittedAccess);
    await render(<ModelAccessCard />, agentEntity);
    expect(
      await screen.findByText(/This agent cannot call any model yet/),
    ).toBeInTheDocument();
  });

  it('notes the local development cluster', async () => {
    respond({ ...agentAccess, cluster: 'local', local: true });
    await render(<ModelAccessCard />, agentEntity);
    expect(
      await screen.findByText('From the local development cluster "local".'),
    ).toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    respond(
      {
        error: { name: 'Error', message: 'boom' },
        response: { statusCode: 502 },
      },
      502,
    );
    await render(<ModelAccessCard />, agentEntity);
    expect(
      await screen.findByText(/Could not load AI Gateway data/),
    ).toBeInTheDocument();
  });

  it('says the models are not known yet while the first reconcile pass runs', async () => {
    server.use(mockHealth(healthFirstPass));
    respond({ ...agentAccess, gateways: [] });
    await render(<ModelAccessCard />, agentEntity);
    expect(
      await screen.findByText(/Not known yet: the AI Gateway backend/),
    ).toBeInTheDocument();
    expect(
      screen.queryByText(/This agent cannot call any model yet/),
    ).not.toBeInTheDocument();
  });

  it('fills in by itself in the background, without a spinner', async () => {
    let answer: unknown = { ...agentAccess, gateways: [] };
    server.use(
      http.get(
        ACCESS_URL,
        slow(() => HttpResponse.json(answer as any)),
      ),
    );
    await render(polledEvery(50, <ModelAccessCard />), agentEntity);
    await screen.findByText(/This agent cannot call any model yet/);
    const flicker = watchFlicker(screen.getByText('AI models'));
    answer = agentAccess;
    expect(
      await screen.findByRole('list', { name: 'AI models' }),
    ).toBeInTheDocument();
    expect(flicker()).toBe(false);
  });
});
