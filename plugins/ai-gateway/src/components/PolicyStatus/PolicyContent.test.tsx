import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  accessPolicyEntity,
  accessStatus,
  healthFirstPass,
  routingPolicyEntity,
  routingStatus,
} from '../../__testUtils__/fixtures';
import {
  API,
  mockHealth,
  polledEvery,
  render,
  slow,
  watchFlicker,
} from '../../__testUtils__/render';
import { PolicyContent } from './PolicyContent';

const ROUTING_URL = `${API}/policies/default/airoutingpolicy/team1-models`;
const ACCESS_URL = `${API}/policies/default/aiaccesspolicy/ai-gateway-access`;

const rowOf = (region: HTMLElement, text: string) =>
  within(region).getAllByText(text)[0].closest('tr') as HTMLElement;

describe('PolicyContent', () => {
  const server = setupServer(mockHealth());
  registerMswTestHooks(server);

  const respond = (url: string, body: unknown, status = 200) =>
    server.use(http.get(url, () => HttpResponse.json(body as any, { status })));

  it('shows progress while loading', async () => {
    server.use(
      http.get(ROUTING_URL, async () => {
        await delay('infinite');
        return HttpResponse.json(routingStatus);
      }),
    );
    await render(<PolicyContent />, routingPolicyEntity);
    expect(
      await screen.findByRole('progressbar', { name: 'Loading policy status' }),
    ).toBeInTheDocument();
  });

  describe('routing policy', () => {
    it('shows providers with credential type and Secret name only', async () => {
      respond(ROUTING_URL, routingStatus);
      await render(<PolicyContent />, routingPolicyEntity);
      const providers = await screen.findByRole('region', {
        name: 'Providers',
      });
      const openai = rowOf(providers, 'openai');
      expect(openai).toHaveTextContent('APIKey');
      expect(openai).toHaveTextContent('Secret openai-secret');
      expect(within(openai).getByTestId('status-ok')).toBeInTheDocument();
      const azure = rowOf(providers, 'azure');
      expect(azure).toHaveTextContent('Not ready');
      expect(azure).toHaveTextContent('Secret team1/azure-secret not found');
      const bedrock = rowOf(providers, 'bedrock');
      expect(bedrock).toHaveTextContent('no Secret (workload identity)');
      expect(bedrock).toHaveTextContent('Not reported');
    });

    it('shows models with provider chain, limits and failover', async () => {
      respond(ROUTING_URL, routingStatus);
      await render(<PolicyContent />, routingPolicyEntity);
      const models = await screen.findByRole('region', { name: 'Models' });
      const gpt = rowOf(models, 'gpt-4o');
      expect(gpt).toHaveTextContent('openai → gpt-4o');
      expect(gpt).toHaveTextContent('100,000 tokens / hour (total)');
      expect(gpt).toHaveTextContent(
        'up to 2 retries on 502, 503, 429, connect-failure',
      );
    });

    it('shows conditions and the programmed summary', async () => {
      respond(ROUTING_URL, routingStatus);
      await render(<PolicyContent />, routingPolicyEntity);
      const conditions = await screen.findByRole('region', {
        name: 'Conditions',
      });
      const providers = rowOf(conditions, 'ProvidersConfigured');
      expect(providers).toHaveTextContent('PartialFailure');
      expect(providers).toHaveTextContent('1/2 providers configured');
      expect(providers).toHaveTextContent('3 minutes ago');
      expect(within(providers).getByTestId('status-error')).toBeInTheDocument();
      const summary = screen.getByLabelText('Policy summary');
      expect(summary).toHaveTextContent('team1/ai-gateway');
      expect(summary).toHaveTextContent('prod-east');
      expect(summary).toHaveTextContent('False: PartialFailure');
    });

    it('shows rendered objects with acceptance and drift', async () => {
      respond(ROUTING_URL, routingStatus);
      await render(<PolicyContent />, routingPolicyEntity);
      const objects = await screen.findByRole('region', {
        name: 'Rendered objects',
      });
      const route = rowOf(objects, 'AIGatewayRoute');
      expect(route).toHaveTextContent('Accepted');
      expect(route).toHaveTextContent('In sync');
      const backend = rowOf(objects, 'Backend');
      expect(backend).toHaveTextContent('Not reported');
      expect(backend).toHaveTextContent('Drifted');
      expect(backend).toHaveTextContent(
        'Differs at: spec.endpoints[0].fqdn.port',
      );
      expect(within(backend).getByTestId('status-warning')).toBeInTheDocument();
      const bsp = rowOf(objects, 'BackendSecurityPolicy');
      expect(bsp).toHaveTextContent('Not accepted');
      expect(bsp).toHaveTextContent('Missing');
    });

    it('shows empty tables with what to do', async () => {
      respond(ROUTING_URL, {
        ...routingStatus,
        providers: [],
        models: [],
        objects: [],
        conditions: [],
      });
      await render(<PolicyContent />, routingPolicyEntity);
      expect(
        await screen.findByText('This policy declares no providers.'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/This policy exposes no models/),
      ).toBeInTheDocument();
      expect(screen.getByText(/Nothing rendered yet/)).toBeInTheDocument();
      expect(
        screen.getByText(/No conditions reported yet/),
      ).toBeInTheDocument();
      expect(screen.getByLabelText('Policy summary')).toHaveTextContent(
        'Not reported yet',
      );
    });
  });

  describe('access policy', () => {
    it('shows trust bundle health, allowed subjects and conditions', async () => {
      respond(ACCESS_URL, accessStatus);
      await render(<PolicyContent />, accessPolicyEntity);
      const bundle = await screen.findByLabelText('Trust bundle');
      expect(bundle).toHaveTextContent('Certificates2');
      expect(bundle).toHaveTextContent('Sequence7');
      expect(bundle).toHaveTextContent(
        'Thu, 01 Jan 2099 00:00:00 GMT (in 72 years)',
      );
      const card = bundle.parentElement!;
      expect(within(card).getByText('Loaded')).toBeInTheDocument();
      expect(within(card).getByTestId('status-ok')).toBeInTheDocument();
      const subjects = screen.getByRole('region', { name: 'Allowed subjects' });
      expect(
        rowOf(subjects, 'spiffe://localtest.me/ns/team1/'),
      ).toHaveTextContent('Prefix');
      expect(
        rowOf(subjects, 'spiffe://localtest.me/ns/team2/sa/weather-agent'),
      ).toHaveTextContent('Exact');
      const conditions = screen.getByRole('region', { name: 'Conditions' });
      expect(rowOf(conditions, 'MTLSActive')).toHaveTextContent('Applied');
      const objects = screen.getByRole('region', { name: 'Rendered objects' });
      expect(rowOf(objects, 'ClientTrafficPolicy')).toHaveTextContent(
        'In sync',
      );
    });

    it('shows a broken bundle as failing with its reason', async () => {
      respond(ACCESS_URL, {
        ...accessStatus,
        bundle: undefined,
        allowedSubjects: [],
        conditions: [
          {
            type: 'BundleReady',
            status: 'False',
            reason: 'BundleNotFound',
            message: 'ConfigMap spire-system/spire-bundle not found',
          },
        ],
      });
      await render(<PolicyContent />, accessPolicyEntity);
      expect(await screen.findAllByText('BundleNotFound')).not.toHaveLength(0);
      const card = screen.getByLabelText('Trust bundle').parentElement!;
      expect(within(card).getByTestId('status-error')).toBeInTheDocument();
      expect(
        screen.getByText(
          /every workload with an SVID from the trust domain \(spiffe:\/\/localtest\.me\/\) is admitted/,
        ),
      ).toBeInTheDocument();
    });

    it('warns when the earliest certificate expires within a week', async () => {
      const soon = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
      respond(ACCESS_URL, {
        ...accessStatus,
        bundle: { certificates: 1, earliestExpiry: soon },
      });
      await render(<PolicyContent />, accessPolicyEntity);
      const card = (await screen.findByLabelText('Trust bundle'))
        .parentElement!;
      expect(within(card).getByTestId('status-warning')).toBeInTheDocument();
      expect(card).toHaveTextContent('in 2 days');
    });
  });

  it('says plainly when the cluster is the local development server', async () => {
    respond(ROUTING_URL, { ...routingStatus, cluster: 'local', local: true });
    await render(<PolicyContent />, routingPolicyEntity);
    expect(
      await screen.findByRole('status', { name: 'Local development cluster' }),
    ).toBeInTheDocument();
  });

  it('warns with the cluster name and error when unreachable', async () => {
    respond(ROUTING_URL, {
      ...routingStatus,
      reachable: false,
      error: 'Unauthorized: token expired',
      conditions: [],
      objects: [],
    });
    await render(<PolicyContent />, routingPolicyEntity);
    expect(
      await screen.findByText(/Cluster "prod-east" is unreachable/),
    ).toBeInTheDocument();
    expect(screen.getByText(/Unauthorized: token expired/)).toBeInTheDocument();
  });

  it('says when the status is incomplete, e.g. not reconciled yet', async () => {
    respond(ROUTING_URL, {
      ...routingStatus,
      error: 'not reconciled yet',
      objects: [],
    });
    await render(<PolicyContent />, routingPolicyEntity);
    expect(
      await screen.findByRole('status', { name: 'Status incomplete' }),
    ).toHaveTextContent('not reconciled yet');
  });

  it('shows the backend error', async () => {
    respond(
      ROUTING_URL,
      {
        error: { name: 'Error', message: 'kaput' },
        response: { statusCode: 500 },
      },
      500,
    );
    await render(<PolicyContent />, routingPolicyEntity);
    expect(
      await screen.findByText(/Could not load AI Gateway data/),
    ).toBeInTheDocument();
  });

  it('treats 404 as not reconciled yet', async () => {
    respond(
      ROUTING_URL,
      {
        error: { name: 'NotFoundError', message: 'x' },
        response: { statusCode: 404 },
      },
      404,
    );
    await render(<PolicyContent />, routingPolicyEntity);
    expect(
      await screen.findByText('No status for this policy yet'),
    ).toBeInTheDocument();
  });

  describe('background refresh', () => {
    const bundleGone = {
      ...accessStatus,
      bundle: undefined,
      conditions: [
        {
          type: 'BundleReady',
          status: 'False',
          reason: 'BundleNotFound',
          message: 'ConfigMap spire-system/spire-bundle not found',
        },
        accessStatus.conditions[1],
      ],
    };

    it('shows a condition broken in the cluster without a reload or a spinner', async () => {
      let answer: unknown = accessStatus;
      server.use(
        http.get(
          ACCESS_URL,
          slow(() => HttpResponse.json(answer as any)),
        ),
      );
      await render(polledEvery(50, <PolicyContent />), accessPolicyEntity);
      const conditions = await screen.findByRole('region', {
        name: 'Conditions',
      });
      expect(rowOf(conditions, 'BundleReady')).toHaveTextContent('Loaded');
      const flicker = watchFlicker(screen.getByLabelText('Policy summary'));
      answer = bundleGone; // e.g. the bundle ConfigMap deleted with kubectl
      await waitFor(() =>
        expect(
          rowOf(
            screen.getByRole('region', { name: 'Conditions' }),
            'BundleReady',
          ),
        ).toHaveTextContent('BundleNotFound'),
      );
      expect(flicker()).toBe(false);
    });

    it('keeps the last status when a refresh fails', async () => {
      let failing = false;
      server.use(
        http.get(
          ACCESS_URL,
          slow(() =>
            failing
              ? HttpResponse.json(
                  {
                    error: { name: 'Error', message: 'kaput' },
                    response: { statusCode: 500 },
                  },
                  { status: 500 },
                )
              : HttpResponse.json(accessStatus),
          ),
        ),
      );
      await render(polledEvery(50, <PolicyContent />), accessPolicyEntity);
      await screen.findByRole('region', { name: 'Conditions' });
      failing = true;
      expect(
        await screen.findByRole('status', { name: 'Refresh failed' }),
      ).toHaveTextContent('Could not refresh: kaput');
      expect(
        screen.getByRole('region', { name: 'Conditions' }),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Reconcile ai-gateway-access now' }),
      ).toBeInTheDocument();
    });
  });

  describe('while the backend’s first reconcile pass runs', () => {
    const notReconciled = {
      ...routingStatus,
      reachable: false,
      error: 'not reconciled yet',
      conditions: [],
      objects: [],
    };

    it('says so instead of "cluster unreachable" or "status incomplete"', async () => {
      server.use(mockHealth(healthFirstPass));
      respond(ROUTING_URL, notReconciled);
      await render(<PolicyContent />, routingPolicyEntity);
      expect(
        await screen.findByRole('status', { name: 'First reconcile pass' }),
      ).toHaveTextContent('The first reconcile pass is still running');
      expect(screen.queryByText(/is unreachable/)).not.toBeInTheDocument();
      expect(
        screen.queryByRole('status', { name: 'Status incomplete' }),
      ).not.toBeInTheDocument();
      // What the catalog asks for is still shown.
      expect(
        screen.getByRole('region', { name: 'Providers' }),
      ).toBeInTheDocument();
    });

    it('is not claimed once the pass is done: an unreachable cluster is one', async () => {
      respond(ROUTING_URL, notReconciled);
      await render(<PolicyContent />, routingPolicyEntity);
      expect(
        await screen.findByText(/Cluster "prod-east" is unreachable/),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole('status', { name: 'First reconcile pass' }),
      ).not.toBeInTheDocument();
    });

    it('says so in place of a 404', async () => {
      server.use(mockHealth(healthFirstPass));
      respond(
        ROUTING_URL,
        {
          error: { name: 'NotFoundError', message: 'x' },
          response: { statusCode: 404 },
        },
        404,
      );
      await render(<PolicyContent />, routingPolicyEntity);
      expect(
        await screen.findByText('The first reconcile pass is still running'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/cannot tell yet this policy's status/),
      ).toBeInTheDocument();
      expect(
        screen.queryByText('No status for this policy yet'),
      ).not.toBeInTheDocument();
    });
  });
});
