/*
 * The module inside a real catalog backend: the demo file is read from disk, processed by the
 * catalog with this module, and its entities are served by the catalog API.
 */
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { resolve } from 'node:path';
import { catalogModuleAiGateway } from './module';

jest.setTimeout(60_000);

const examples = resolve(__dirname, '../../../examples');
const badPolicy = `
apiVersion: aigateway.kagenti.dev/v1alpha1
kind: AIRoutingPolicy
metadata:
  name: broken-models
  annotations:
    backstage.io/kubernetes-namespace: team1
spec:
  owner: guests
  targetRef: { name: ai-gateway }
  providers:
    - { name: openai, endpoint: https://api.openai.com, schema: OpenAI }
  models:
    - { name: gpt-4o, backends: [{ provider: azur, model: gpt-4o }] }
`;

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error('timed out waiting for the catalog');
}

describe('the catalog with the AI Gateway module', () => {
  const directory = createMockDirectory();

  it('serves the demo policies with their relations and shows the errors of bad ones', async () => {
    directory.setContent({ 'bad.yaml': badPolicy });
    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleAiGateway,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'Resource',
                    'Group',
                    'User',
                    'Location',
                    'AIRoutingPolicy',
                    'AIAccessPolicy',
                  ],
                },
              ],
              locations: [
                { type: 'file', target: resolve(examples, 'ai-gateway.yaml') },
                { type: 'file', target: resolve(examples, 'org.yaml') },
                { type: 'file', target: directory.resolve('bad.yaml') },
              ],
              processingInterval: { seconds: 1 },
            },
          },
        }),
      ],
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const get = async (path: string) => {
      const response = await fetch(
        `http://localhost:${port}/api/catalog${path}`,
        {
          headers: { Authorization: mockCredentials.user.header() },
        },
      );
      return response.ok ? response.json() : undefined;
    };

    const policy = await waitFor(async () => {
      const entity = await get(
        '/entities/by-name/airoutingpolicy/default/team1-models',
      );
      return entity?.relations?.length ? entity : undefined;
    });
    expect(
      policy.relations.map((r: any) => `${r.type} ${r.targetRef}`).sort(),
    ).toEqual([
      'dependsOn resource:default/ai-gateway',
      'ownedBy group:default/guests',
    ]);
    expect(
      await get('/entities/by-name/aiaccesspolicy/default/ai-gateway-access'),
    ).toMatchObject({
      kind: 'AIAccessPolicy',
    });
    const gateway = await waitFor(async () => {
      const entity = await get('/entities/by-name/resource/default/ai-gateway');
      const dependents = entity?.relations?.filter(
        (r: any) => r.type === 'dependencyOf',
      );
      return dependents?.length === 4 ? entity : undefined;
    });
    expect(
      gateway.relations
        .filter((r: any) => r.type === 'dependencyOf')
        .map((r: any) => r.targetRef)
        .sort(),
    ).toEqual([
      'aiaccesspolicy:default/ai-gateway-access',
      'airoutingpolicy:default/team1-models',
      'component:default/research-agent',
      'component:default/weather-agent',
    ]);

    // A policy that was never valid never becomes a catalog entity (the catalog keeps its
    // error for the unprocessed-entities view).
    expect(
      await get('/entities/by-name/airoutingpolicy/default/broken-models'),
    ).toBeUndefined();

    // A valid policy that turns invalid keeps its last valid version, and its page shows the
    // processing error naming the field.
    directory.setContent({
      'bad.yaml': badPolicy.replace('provider: azur', 'provider: openai'),
    });
    await waitFor(() =>
      get('/entities/by-name/airoutingpolicy/default/broken-models'),
    );
    directory.setContent({ 'bad.yaml': badPolicy });
    const broken = await waitFor(async () => {
      const entity = await get(
        '/entities/by-name/airoutingpolicy/default/broken-models',
      );
      return entity?.status?.items?.length ? entity : undefined;
    });
    expect(broken.status.items).toEqual([
      expect.objectContaining({
        type: 'backstage.io/catalog-processing',
        level: 'error',
        message:
          'InputError: Processor AIGatewayEntitiesProcessor threw an error while postprocessing; caused by InputError: Invalid AIRoutingPolicy "broken-models": spec.models[0].backends[0].provider: no provider named "azur" (have: openai)',
      }),
    ]);
    expect(broken.spec.models[0].backends[0].provider).toBe('openai');
  });
});
