import { mockApis, registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  routingPolicyEntity,
  routingStatus,
} from '../../__testUtils__/fixtures';
import { API, render } from '../../__testUtils__/render';
import { PolicyContent } from './PolicyContent';

const POLICY = `${API}/policies/default/airoutingpolicy/team1-models`;

describe('policy actions', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  beforeEach(() => {
    server.use(http.get(POLICY, () => HttpResponse.json(routingStatus)));
  });

  it('shows a dry run’s validity, problems and changes without writing', async () => {
    server.use(
      http.post(`${POLICY}/dry-run`, () =>
        HttpResponse.json({
          valid: false,
          problems: [
            {
              path: 'spec.providers[1].credentials.secretRef.key',
              message: 'AzureCredentials reads key client-secret',
            },
          ],
          objects: [],
          diff: [
            {
              apiVersion: 'gateway.envoyproxy.io/v1alpha1',
              kind: 'Backend',
              name: 'team1-models-openai',
              action: 'update',
              differences: ['spec.endpoints'],
            },
            {
              apiVersion: 'aigateway.envoyproxy.io/v1beta1',
              kind: 'AIGatewayRoute',
              name: 'team1-models',
              action: 'unchanged',
            },
          ],
        }),
      ),
    );
    await render(<PolicyContent />, routingPolicyEntity);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Dry run team1-models' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Dry run against the live cluster',
    });
    expect(
      within(dialog).getByText('The policy is invalid'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('list', { name: 'Problems' }),
    ).toHaveTextContent(
      'spec.providers[1].credentials.secretRef.key: AzureCredentials reads key client-secret',
    );
    const changes = within(dialog).getByRole('region', { name: 'Changes' });
    expect(
      within(changes).getByText('team1-models-openai').closest('tr'),
    ).toHaveTextContent('update');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close dry run' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('reconciles now, reports the outcome and reloads the status', async () => {
    let gets = 0;
    server.use(
      http.get(POLICY, () => {
        gets += 1;
        return HttpResponse.json(routingStatus);
      }),
      http.post(`${POLICY}/reconcile`, () =>
        HttpResponse.json({
          applied: 2,
          pruned: 1,
          unchanged: 5,
          conditions: [],
        }),
      ),
    );
    const alertApi = mockApis.alert();
    await render(<PolicyContent />, routingPolicyEntity, [alertApi]);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reconcile team1-models now' }),
    );
    const alert = await alertApi.waitForAlert(a => a.severity === 'success');
    expect(alert.message).toBe(
      'Reconciled team1-models: 2 applied, 1 pruned, 5 unchanged',
    );
    await waitFor(() => expect(gets).toBe(2));
    // The status stays on screen while it reloads.
    expect(
      screen.getByRole('region', { name: 'Providers' }),
    ).toBeInTheDocument();
  });

  it('reports a refusal with the backend’s reason', async () => {
    server.use(
      http.post(`${POLICY}/reconcile`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message: 'Missing permission aigateway.policy.apply',
            },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    const alertApi = mockApis.alert();
    await render(<PolicyContent />, routingPolicyEntity, [alertApi]);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reconcile team1-models now' }),
    );
    const alert = await alertApi.waitForAlert(a => a.severity === 'error');
    expect(alert.message).toBe(
      'Reconcile failed: Missing permission aigateway.policy.apply',
    );
    expect(
      screen.getByRole('button', { name: 'Reconcile team1-models now' }),
    ).toBeEnabled();
  });
});
