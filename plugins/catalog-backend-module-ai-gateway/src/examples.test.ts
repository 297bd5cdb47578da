import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  parseEntityYaml,
  type CatalogProcessorResult,
} from '@backstage/plugin-catalog-node';
import {
  agentSpiffeId,
  ANNOTATIONS,
  entityToResource,
  spiffeIdAdmitted,
  type AIAccessPolicy,
  type AIRoutingPolicy,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AIGatewayEntitiesProcessor } from './AIGatewayEntitiesProcessor';

const file = resolve(__dirname, '../../../examples/ai-gateway.yaml');
const location = { type: 'file', target: file };

function loadExamples(): Entity[] {
  const results = [...parseEntityYaml(readFileSync(file), location)];
  const errors = results.filter(r => r.type === 'error');
  expect(errors).toEqual([]);
  return results.map(r => (r as { entity: Entity }).entity);
}

describe('examples/ai-gateway.yaml', () => {
  const entities = loadExamples();
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));

  it('holds the gateway, two agents and both policies', () => {
    expect([...byRef.keys()].sort()).toEqual([
      'aiaccesspolicy:default/ai-gateway-access',
      'airoutingpolicy:default/team1-models',
      'component:default/research-agent',
      'component:default/weather-agent',
      'resource:default/ai-gateway',
    ]);
    expect(byRef.get('resource:default/ai-gateway')!.spec).toMatchObject({
      type: 'ai-gateway',
      owner: 'guests',
    });
    for (const agent of ['weather-agent', 'research-agent']) {
      const entity = byRef.get(`component:default/${agent}`)!;
      expect(entity.spec).toMatchObject({
        type: 'agent',
        owner: 'guests',
        lifecycle: 'experimental',
      });
      expect(entity.metadata.annotations).toMatchObject({
        [ANNOTATIONS.namespace]: 'team1',
        [ANNOTATIONS.serviceAccount]: agent,
        'backstage.io/kubernetes-label-selector': `app.kubernetes.io/name=${agent}`,
      });
    }
  });

  it('has policies the processor accepts, related to guests and the gateway', async () => {
    const processor = new AIGatewayEntitiesProcessor();
    for (const entity of entities.filter(
      e => e.apiVersion === 'aigateway.kagenti.dev/v1alpha1',
    )) {
      expect(await processor.validateEntityKind(entity)).toBe(true);
      const emitted: CatalogProcessorResult[] = [];
      await processor.postProcessEntity(entity, location, r => emitted.push(r));
      const targets = emitted.map(
        r =>
          r.type === 'relation' &&
          `${r.relation.type} ${stringifyEntityRef(r.relation.target)}`,
      );
      expect(targets).toContain('ownedBy group:default/guests');
      expect(targets).toContain('dependsOn resource:default/ai-gateway');
    }
  });

  it('routes the demo models to the demo providers in team1 of the default cluster', () => {
    const { cluster, resource } = entityToResource(
      byRef.get('airoutingpolicy:default/team1-models')!,
      {
        defaultCluster: 'local',
      },
    );
    const policy = resource as AIRoutingPolicy;
    expect(cluster).toBe('local');
    expect(policy.metadata.namespace).toBe('team1');
    expect(
      policy.spec.providers.map(p => [
        p.name,
        p.schema,
        p.credentials?.secretRef?.name,
      ]),
    ).toEqual([
      ['openai', 'OpenAI', 'openai-secret'],
      ['azure', 'AzureOpenAI', 'azure-secret'],
      ['bedrock', 'AWSBedrock', 'aws-secret'],
      ['ollama', 'OpenAI', undefined],
    ]);
    expect(
      policy.spec.models.map(m => [
        m.name,
        m.backends.map(b => `${b.priority}:${b.provider}`),
      ]),
    ).toEqual([
      ['gpt-4o', ['0:openai', '1:azure']],
      ['claude-3-5-sonnet', ['0:bedrock']],
      ['qwen2.5:3b', ['0:ollama']],
    ]);
  });

  it('admits both agents through the access policy', () => {
    const { resource } = entityToResource(
      byRef.get('aiaccesspolicy:default/ai-gateway-access')!,
      {
        defaultCluster: 'local',
      },
    );
    const { mtls } = (resource as AIAccessPolicy).spec;
    expect(mtls.trustBundleConfigMap).toEqual({
      name: 'spire-bundle',
      namespace: 'spire-system',
      key: 'bundle.spiffe',
    });
    for (const agent of ['weather-agent', 'research-agent']) {
      const id = agentSpiffeId(mtls.trustDomain, 'team1', agent);
      expect(spiffeIdAdmitted(id, mtls.trustDomain, mtls.allowedSubjects)).toBe(
        true,
      );
    }
    expect(
      spiffeIdAdmitted(
        agentSpiffeId('localtest.me', 'team2', 'x'),
        mtls.trustDomain,
        mtls.allowedSubjects,
      ),
    ).toBe(false);
  });
});
