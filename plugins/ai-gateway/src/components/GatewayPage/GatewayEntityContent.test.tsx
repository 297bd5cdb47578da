import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  gateway,
  gatewayEntity,
  healthFirstPass,
} from '../../__testUtils__/fixtures';
import {
  API,
  mockHealth,
  polledEvery,
  render,
} from '../../__testUtils__/render';
import { GatewayEntityContent } from './GatewayEntityContent';

const URL = `${API}/gateways`;
const other = { ...gateway, name: 'other-gateway', entity: undefined };

describe('GatewayEntityContent', () => {
  const server = setupServer(mockHealth());
  registerMswTestHooks(server);

  const respond = (body: unknown, status = 200) =>
    server.use(http.get(URL, () => HttpResponse.json(body as any, { status })));

  it('shows progress while loading', async () => {
    server.use(
      http.get(URL, async () => {
        await delay('infinite');
        return HttpResponse.json({ items: [] });
      }),
    );
    await render(<GatewayEntityContent />, gatewayEntity);
    expect(
      await screen.findByRole('progressbar', { name: 'Loading gateway' }),
    ).toBeInTheDocument();
  });

  it('shows this gateway only, with its conditions and policies', async () => {
    respond({ items: [gateway, other] });
    await render(<GatewayEntityContent />, gatewayEntity);
    const gateways = await screen.findByRole('region', { name: 'Gateways' });
    expect(
      within(gateways).queryByText('other-gateway'),
    ).not.toBeInTheDocument();
    expect(
      within(gateways).getByRole('link', { name: 'team1-models' }),
    ).toBeInTheDocument();
    const conditions = screen.getByRole('region', {
      name: 'Gateway conditions',
    });
    expect(within(conditions).getByText('Valid Gateway')).toBeInTheDocument();
  });

  it('matches a gateway without a catalog entity by name and namespace', async () => {
    respond({ items: [{ ...gateway, entity: undefined }] });
    await render(<GatewayEntityContent />, gatewayEntity);
    expect(
      await screen.findByRole('region', { name: 'Gateway conditions' }),
    ).toBeInTheDocument();
  });

  it('says what to do when no policy targets the gateway', async () => {
    respond({ items: [other] });
    await render(<GatewayEntityContent />, gatewayEntity);
    expect(
      await screen.findByText('No AI Gateway policies target this Gateway yet'),
    ).toBeInTheDocument();
  });

  it('warns when the gateway’s cluster is unreachable', async () => {
    respond({
      items: [
        {
          ...gateway,
          reachable: false,
          error: 'connection refused',
          conditions: [],
        },
      ],
    });
    await render(<GatewayEntityContent />, gatewayEntity);
    expect(
      await screen.findByText(/Cluster "local" is unreachable/),
    ).toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    respond(
      { error: { name: 'Error', message: 'x' }, response: { statusCode: 500 } },
      500,
    );
    await render(<GatewayEntityContent />, gatewayEntity);
    expect(
      await screen.findByText(/Could not load AI Gateway data/),
    ).toBeInTheDocument();
  });

  it('says when the first reconcile pass is still running, then shows the gateway by itself', async () => {
    let passDone = false;
    server.use(
      mockHealth(healthFirstPass),
      http.get(URL, () =>
        HttpResponse.json({ items: passDone ? [gateway, other] : [] }),
      ),
    );
    await render(polledEvery(50, <GatewayEntityContent />), gatewayEntity);
    expect(
      await screen.findByText('The first reconcile pass is still running'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/cannot tell yet which policies target this Gateway/),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('No AI Gateway policies target this Gateway yet'),
    ).not.toBeInTheDocument();
    passDone = true;
    expect(
      await screen.findByRole('region', { name: 'Gateway conditions' }),
    ).toBeInTheDocument();
  });
});
