import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { AIGatewayEntitiesProcessor } from './AIGatewayEntitiesProcessor';

const location = { type: 'file', target: '/tmp/policies.yaml' };

function routingPolicy(): Entity {
  return {
    apiVersion: 'aigateway.kagenti.dev/v1alpha1',
    kind: 'AIRoutingPolicy',
    metadata: {
      name: 'team1-models',
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
    },
    spec: {
      owner: 'guests',
      targetRef: { name: 'ai-gateway' },
      providers: [
        {
          name: 'openai',
          endpoint: 'https://api.openai.com',
          schema: 'OpenAI',
          credentials: { type: 'APIKey', secretRef: { name: 'openai-secret' } },
        },
      ],
      models: [
        { name: 'gpt-4o', backends: [{ provider: 'openai', model: 'gpt-4o' }] },
      ],
    },
  };
}

function accessPolicy(): Entity {
  return {
    apiVersion: 'aigateway.kagenti.dev/v1alpha1',
    kind: 'AIAccessPolicy',
    metadata: {
      name: 'ai-gateway-access',
      annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
    },
    spec: {
      owner: 'user:platform/admin',
      system: 'ai-platform',
      targetRef: { name: 'ai-gateway' },
      mtls: {
        trustDomain: 'localtest.me',
        trustBundleConfigMap: { name: 'spire-bundle' },
      },
    },
  };
}

async function process(entity: Entity) {
  const emitted: CatalogProcessorResult[] = [];
  const result = await new AIGatewayEntitiesProcessor().postProcessEntity(
    entity,
    location,
    r => emitted.push(r),
  );
  return { result, emitted };
}

/** Relations as `source type target` with refs in the catalog's stringified (lowercase) form. */
const relations = (emitted: CatalogProcessorResult[]) =>
  emitted.map(r =>
    r.type === 'relation'
      ? `${stringifyEntityRef(r.relation.source)} ${
          r.relation.type
        } ${stringifyEntityRef(r.relation.target)}`
      : r.type,
  );

describe('AIGatewayEntitiesProcessor', () => {
  const processor = new AIGatewayEntitiesProcessor();

  it('accepts the two policy kinds of aigateway.kagenti.dev/v1alpha1 only', async () => {
    expect(await processor.validateEntityKind(routingPolicy())).toBe(true);
    expect(await processor.validateEntityKind(accessPolicy())).toBe(true);
    expect(
      await processor.validateEntityKind({
        ...routingPolicy(),
        apiVersion: 'aigateway.kagenti.dev/v1beta1',
      }),
    ).toBe(false);
    expect(
      await processor.validateEntityKind({
        ...routingPolicy(),
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
      }),
    ).toBe(false);
  });

  it('relates a routing policy to its owner group and its gateway Resource', async () => {
    const { result, emitted } = await process(routingPolicy());
    expect(result).toEqual(routingPolicy());
    expect(relations(emitted)).toEqual([
      'airoutingpolicy:default/team1-models ownedBy group:default/guests',
      'group:default/guests ownerOf airoutingpolicy:default/team1-models',
      'airoutingpolicy:default/team1-models dependsOn resource:default/ai-gateway',
      'resource:default/ai-gateway dependencyOf airoutingpolicy:default/team1-models',
    ]);
  });

  it('relates an access policy to a user owner and its system', async () => {
    const { emitted } = await process(accessPolicy());
    expect(relations(emitted)).toEqual([
      'aiaccesspolicy:default/ai-gateway-access ownedBy user:platform/admin',
      'user:platform/admin ownerOf aiaccesspolicy:default/ai-gateway-access',
      'aiaccesspolicy:default/ai-gateway-access partOf system:default/ai-platform',
      'system:default/ai-platform hasPart aiaccesspolicy:default/ai-gateway-access',
      'aiaccesspolicy:default/ai-gateway-access dependsOn resource:default/ai-gateway',
      'resource:default/ai-gateway dependencyOf aiaccesspolicy:default/ai-gateway-access',
    ]);
  });

  it('fails processing of a bad policy, naming every bad field', async () => {
    const entity = routingPolicy();
    delete entity.metadata.annotations!['backstage.io/kubernetes-namespace'];
    (entity.spec as any).models[0].backends[0].provider = 'azur';
    (entity.spec as any).providers[0].credentials.secretRef.key = 'token';
    const failure = process(entity);
    await expect(failure).rejects.toMatchObject({ name: 'InputError' });
    await expect(failure).rejects.toThrow(
      'Invalid AIRoutingPolicy "team1-models": ' +
        'metadata.annotations["backstage.io/kubernetes-namespace"]: required: the Kubernetes namespace the policy is applied to; ' +
        'spec.providers[0].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "apiKey" for APIKey credentials: set key to "apiKey" or leave it out; ' +
        'spec.models[0].backends[0].provider: no provider named "azur" (have: openai)',
    );
  });

  it('fails processing of an access policy without owner and trust domain', async () => {
    const entity = accessPolicy();
    delete entity.spec!.owner;
    delete (entity.spec as any).mtls.trustDomain;
    await expect(process(entity)).rejects.toThrow(
      'Invalid AIAccessPolicy "ai-gateway-access": spec.owner: required; spec.mtls.trustDomain: required',
    );
  });

  // Found by the reliability campaign (packages/reliability): 3000 subjects outside the trust
  // domain made a processing error of 380 kB.
  it('lists the first 20 problems of a policy with thousands, and counts the rest', async () => {
    const entity = accessPolicy();
    (entity.spec as any).mtls.allowedSubjects = Array.from(
      { length: 3000 },
      (_, i) => ({ spiffeId: `spiffe://other.example/sa/${i}` }),
    );
    const error = await process(entity).catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(
      /^Invalid AIAccessPolicy "ai-gateway-access": spec\.mtls\.allowedSubjects\[0\]\.spiffeId: is in trust domain "other\.example"/,
    );
    expect(error.message).toContain('allowedSubjects[19]');
    expect(error.message).not.toContain('allowedSubjects[20]');
    expect(error.message).toMatch(/; and 2980 more problems \(3000 in all\)$/);
    expect(error.message.length).toBeLessThan(4000);
  });

  it('leaves other entities alone', async () => {
    const component: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'weather-agent' },
      spec: { type: 'agent', owner: 'guests', lifecycle: 'experimental' },
    };
    const { result, emitted } = await process(component);
    expect(result).toBe(component);
    expect(emitted).toEqual([]);
  });
});
