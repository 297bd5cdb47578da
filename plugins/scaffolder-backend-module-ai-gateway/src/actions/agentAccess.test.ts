import type { JsonObject } from '@backstage/types';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { agentEntity, demoEntities } from '../__fixtures__/entities';
import { createAgentAccessAction } from './agentAccess';

describe('aigateway:agent:access', () => {
  const config = mockServices.rootConfig({
    data: { aiGateway: { defaultCluster: 'local' } },
  });

  async function run(input: JsonObject, entities = demoEntities()) {
    const action = createAgentAccessAction({
      config,
      catalog: catalogServiceMock({ entities }),
    });
    const ctx = createMockActionContext({ input });
    await action.handler(ctx as any);
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  it('gives a planned agent its SPIFFE ID, the gateway endpoint and its models', async () => {
    const out = await run({
      namespace: 'team1',
      serviceAccount: 'new-agent',
      gateway: 'resource:default/ai-gateway',
      models: ['gpt-4o', 'claude-3-opus'],
    });
    expect(out).toMatchObject({
      spiffeId: 'spiffe://localtest.me/ns/team1/sa/new-agent',
      trustDomain: 'localtest.me',
      cluster: 'local',
      gatewayName: 'ai-gateway',
      gatewayNamespace: 'team1',
      endpoint: 'https://ai-gateway.team1.svc:8443',
      baseUrl: 'https://ai-gateway.team1.svc:8443/v1',
      admitted: true,
      models: ['gpt-4o'],
      missingModels: ['claude-3-opus'],
    });
    expect(out.clusterAnnotation).toBeUndefined();
    expect(out.summary).toContain(
      'Not exposed by the gateway yet: claude-3-opus',
    );
  });

  it('reads an existing agent from the catalog and lists every gateway with policies', async () => {
    const out = await run({ entityRef: 'component:default/weather-agent' });
    expect(out.spiffeId).toBe(
      'spiffe://localtest.me/ns/team1/sa/weather-agent',
    );
    expect(out.models).toEqual(['gpt-4o', 'qwen2.5:3b']);
    expect(out.gateways).toEqual([
      expect.objectContaining({
        name: 'ai-gateway',
        admitted: true,
        accessPolicy: 'aiaccesspolicy:default/ai-gateway-access',
      }),
    ]);
  });

  it('explains why an agent outside the allowed subjects is not admitted', async () => {
    const out = await run({
      namespace: 'team2',
      serviceAccount: 'intruder',
      gateway: 'resource:default/ai-gateway',
    });
    expect(out.admitted).toBe(false);
    expect(out.models).toEqual([]);
    expect(out.reason).toBe(
      'Access policy ai-gateway-access allows only spiffe://localtest.me/ns/team1/*; add "spiffeId: spiffe://localtest.me/ns/team2/sa/intruder" (or a prefix of it) to its spec.mtls.allowedSubjects.',
    );
  });

  it('honours the SPIFFE ID override annotation', async () => {
    const entities = [
      ...demoEntities(),
      agentEntity('odd', 'team1', {
        'aigateway.kagenti.dev/spiffe-id': 'spiffe://other.org/workload/odd',
      }),
    ];
    const out = await run({ entityRef: 'component:default/odd' }, entities);
    expect(out.spiffeId).toBe('spiffe://other.org/workload/odd');
    expect(out.admitted).toBe(false);
    expect(out.reason).toContain('trust domain other.org');
  });

  it('computes with the access policy a template is about to create', async () => {
    const out = await run({
      namespace: 'team3',
      serviceAccount: 'a',
      gateway: 'resource:default/bare-gateway',
      newAccessPolicy: true,
      trustDomain: 'example.org',
    });
    expect(out).toMatchObject({
      spiffeId: 'spiffe://example.org/ns/team3/sa/a',
      admitted: true,
      baseUrl: 'https://bare-gateway.team3.svc:8443/v1',
    });
  });

  it('refuses a second access policy on a gateway that has one', async () => {
    await expect(
      run({
        namespace: 'team1',
        serviceAccount: 'a',
        gateway: 'resource:default/ai-gateway',
        newAccessPolicy: true,
        trustDomain: 'localtest.me',
      }),
    ).rejects.toThrow(
      'Gateway team1/ai-gateway already has the access policy aiaccesspolicy:default/ai-gateway-access; a second one would be Conflicted.',
    );
  });

  it('says when a gateway has no access policy yet', async () => {
    const out = await run({
      namespace: 'team3',
      serviceAccount: 'a',
      gateway: 'resource:default/bare-gateway',
    });
    expect(out.admitted).toBe(false);
    expect(out.spiffeId).toBe('spiffe://<trust-domain>/ns/team3/sa/a');
    expect(out.reason).toContain('has no AIAccessPolicy yet');
  });

  it('rejects unknown agents and non-gateway resources', async () => {
    await expect(run({ entityRef: 'component:default/nope' })).rejects.toThrow(
      'agent component:default/nope not found in the catalog',
    );
    await expect(
      run({
        namespace: 'a',
        serviceAccount: 'b',
        gateway: 'component:default/weather-agent',
      }),
    ).rejects.toThrow('is not a Resource of type ai-gateway');
    await expect(run({ namespace: 'a' })).rejects.toThrow(
      'give entityRef, or namespace and serviceAccount',
    );
  });
});
