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

  it('serves the demo policies with their relations and keeps bad policies out', async () => {
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

    // The bad policy never becomes a catalog entity; its error is kept by the catalog.
    expect(
      await get('/entities/by-name/airoutingpolicy/default/broken-models'),
    ).toBeUndefined();
  });
});
