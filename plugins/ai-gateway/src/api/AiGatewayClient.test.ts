import { ResponseError } from '@backstage/errors';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { API, createClient } from '../__testUtils__/render';
import {
  agentAccess,
  gateway,
  healthDone,
  healthFirstPass,
  routingStatus,
} from '../__testUtils__/fixtures';

describe('AiGatewayClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  it('gets an agent’s access by catalog namespace and name', async () => {
    server.use(
      http.get(`${API}/agents/default/weather-agent/access`, () =>
        HttpResponse.json(agentAccess),
      ),
    );
    await expect(
      createClient().getAgentAccess('default', 'weather-agent'),
    ).resolves.toEqual(agentAccess);
  });

  it('gets a policy’s status with the kind lowercased', async () => {
    let url = '';
    server.use(
      http.get(`${API}/policies/:namespace/:kind/:name`, ({ request }) => {
        url = request.url;
        return HttpResponse.json(routingStatus);
      }),
    );
    await expect(
      createClient().getPolicyStatus(
        'default',
        'AIRoutingPolicy',
        'team1-models',
      ),
    ).resolves.toEqual(routingStatus);
    expect(url).toBe(`${API}/policies/default/airoutingpolicy/team1-models`);
  });

  it('escapes path segments', async () => {
    let url = '';
    server.use(
      http.get(`${API}/agents/*`, ({ request }) => {
        url = request.url;
        return HttpResponse.json(agentAccess);
      }),
    );
    await createClient().getAgentAccess('team a', 'x/y');
    expect(url).toBe(`${API}/agents/team%20a/x%2Fy/access`);
  });

  it('lists gateways, bare or in an items envelope', async () => {
    server.use(http.get(`${API}/gateways`, () => HttpResponse.json([gateway])));
    await expect(createClient().getGateways()).resolves.toEqual([gateway]);
    server.use(
      http.get(`${API}/gateways`, () =>
        HttpResponse.json({ items: [gateway] }),
      ),
    );
    await expect(createClient().getGateways()).resolves.toEqual([gateway]);
  });

  it('gets the backend’s health, with its last pass or null before the first', async () => {
    let answer = healthFirstPass;
    server.use(http.get(`${API}/health`, () => HttpResponse.json(answer)));
    const client = createClient();
    await expect(client.getHealth()).resolves.toEqual({
      status: 'ok',
      mode: 'embedded',
      lastPass: null,
    });
    answer = healthDone;
    const done = await client.getHealth();
    expect(done.lastPass?.clusters[0]).toMatchObject({
      cluster: 'local',
      ok: true,
    });
  });

  it('posts dry-run and reconcile', async () => {
    const calls: string[] = [];
    server.use(
      http.post(`${API}/policies/default/aiaccesspolicy/access/dry-run`, () => {
        calls.push('dry-run');
        return HttpResponse.json({
          valid: true,
          problems: [],
          objects: [],
          diff: [],
        });
      }),
      http.post(
        `${API}/policies/default/aiaccesspolicy/access/reconcile`,
        () => {
          calls.push('reconcile');
          return HttpResponse.json({
            applied: 2,
            pruned: 0,
            unchanged: 1,
            conditions: [],
          });
        },
      ),
    );
    const client = createClient();
    await expect(
      client.dryRunPolicy('default', 'AIAccessPolicy', 'access'),
    ).resolves.toMatchObject({ valid: true });
    await expect(
      client.reconcilePolicy('default', 'AIAccessPolicy', 'access'),
    ).resolves.toMatchObject({ applied: 2 });
    expect(calls).toEqual(['dry-run', 'reconcile']);
  });

  it('throws a ResponseError carrying the backend’s message and status', async () => {
    server.use(
      http.get(`${API}/gateways`, () =>
        HttpResponse.json(
          {
            error: { name: 'NotAllowedError', message: 'Permission denied' },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    const error = await createClient()
      .getGateways()
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
    expect(error.cause.message).toBe('Permission denied');
    expect(error.cause.name).toBe('NotAllowedError');
  });
});
