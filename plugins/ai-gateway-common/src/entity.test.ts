import type { Entity } from '@backstage/catalog-model';
import fc from 'fast-check';
import { parse } from 'yaml';
import {
  accessPolicySpecArb,
  routingPolicySpecArb,
} from './__testUtils__/arbitraries';
import { specRoutingPolicyYaml } from './__testUtils__/specExamples';
import { entityToResource, resourceToEntity } from './entity';
import {
  formatProblem,
  PolicyValidationError,
  validateAccessPolicySpec,
  validatePolicyEntity,
  validateRoutingPolicySpec,
} from './validation';

const NAMESPACE = 'backstage.io/kubernetes-namespace';
const CLUSTER = 'aigateway.kagenti.dev/cluster';

function routingEntity(): Entity {
  return {
    apiVersion: 'aigateway.kagenti.dev/v1alpha1',
    kind: 'AIRoutingPolicy',
    metadata: { name: 'team1-models', annotations: { [NAMESPACE]: 'team1' } },
    spec: { owner: 'guests', ...parse(specRoutingPolicyYaml).spec },
  };
}

describe('entityToResource', () => {
  it('maps name, namespace annotation and spec, dropping owner and system', () => {
    const entity = routingEntity();
    entity.spec!.system = 'ai-platform';
    const { cluster, resource } = entityToResource(entity, {
      defaultCluster: 'local',
    });
    expect(cluster).toBe('local');
    expect(resource.apiVersion).toBe('aigateway.kagenti.dev/v1alpha1');
    expect(resource.kind).toBe('AIRoutingPolicy');
    expect(resource.metadata).toEqual({
      name: 'team1-models',
      namespace: 'team1',
      labels: { 'app.kubernetes.io/managed-by': 'kagenti-ai-gateway' },
    });
    expect(resource.spec).not.toHaveProperty('owner');
    expect(resource.spec).not.toHaveProperty('system');
    expect((resource.spec as any).models[1].backends[0]).toEqual({
      provider: 'ollama',
      model: 'qwen2.5:3b',
      priority: 0,
      weight: 1,
    });
  });

  it('takes the cluster from the annotation', () => {
    const entity = routingEntity();
    entity.metadata.annotations![CLUSTER] = 'prod-eu';
    expect(entityToResource(entity, { defaultCluster: 'local' }).cluster).toBe(
      'prod-eu',
    );
  });

  it('throws every problem of an invalid entity', () => {
    const entity = routingEntity();
    delete entity.metadata.annotations![NAMESPACE];
    delete entity.spec!.owner;
    expect(() => entityToResource(entity, { defaultCluster: 'local' })).toThrow(
      new PolicyValidationError('AIRoutingPolicy "team1-models"', [
        {
          path: 'metadata.annotations["backstage.io/kubernetes-namespace"]',
          message:
            'required: the Kubernetes namespace the policy is applied to',
        },
        { path: 'spec.owner', message: 'required' },
      ]),
    );
  });
});

describe('validatePolicyEntity', () => {
  const problems = (entity: Entity) => {
    const result = validatePolicyEntity(entity);
    return result.ok ? [] : result.problems.map(formatProblem);
  };

  it.each<[string, (e: Entity) => void, string[]]>([
    [
      'a name Kubernetes refuses',
      e => (e.metadata.name = 'Team1_Models'),
      [
        'metadata.name: must be a DNS subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit), because it is the Kubernetes resource name',
      ],
    ],
    [
      'a namespace Kubernetes refuses',
      e => (e.metadata.annotations![NAMESPACE] = 'Team1'),
      [
        'metadata.annotations["backstage.io/kubernetes-namespace"]: must be a DNS label (lowercase letters, digits and "-", starting and ending with a letter or digit), because it is a Kubernetes namespace',
      ],
    ],
    [
      'an empty cluster annotation',
      e => (e.metadata.annotations![CLUSTER] = ''),
      [
        'metadata.annotations["aigateway.kagenti.dev/cluster"]: must be a cluster name, or left out for the default cluster',
      ],
    ],
    [
      'an owner that is not an entity reference',
      e => (e.spec!.owner = 'group:'),
      [
        'spec.owner: is not a valid entity reference: Entity reference "group:" was not on the form [<kind>:][<namespace>/]<name>',
      ],
    ],
    [
      'an owner that is not a string',
      e => (e.spec!.owner = 42),
      ['spec.owner: must be a non-empty entity reference'],
    ],
    [
      'a wrong apiVersion',
      e => (e.apiVersion = 'backstage.io/v1alpha1'),
      ['apiVersion: must be "aigateway.kagenti.dev/v1alpha1"'],
    ],
    [
      'problems in the spec',
      e => (e.spec!.models = []),
      ['spec.models: must have at least 1 item'],
    ],
  ])('reports %s', (_name, mutate, expected) => {
    const entity = routingEntity();
    mutate(entity);
    expect(problems(entity)).toEqual(expected);
  });
});

describe('entity → resource → entity', () => {
  const ownerArb = fc.constantFrom(
    'guests',
    'group:default/platform',
    'user:jane',
  );
  const systemArb = fc.option(
    fc.constantFrom('ai-platform', 'system:default/agents'),
    {
      nil: undefined,
    },
  );
  const clusterArb = fc.option(fc.constantFrom('prod', 'kind-local'), {
    nil: undefined,
  });
  const nameArb = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);

  function entityOf(
    kind: string,
    name: string,
    namespace: string,
    spec: object,
    owner: string,
    system?: string,
    cluster?: string,
  ): Entity {
    return {
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind,
      metadata: {
        name,
        annotations: {
          [NAMESPACE]: namespace,
          ...(cluster ? { [CLUSTER]: cluster } : {}),
        },
      },
      spec: { ...spec, owner, ...(system ? { system } : {}) },
    };
  }

  const normalized = <T>(result: { ok: true; value: T } | { ok: false }) => {
    if (!result.ok) throw new Error('generated an invalid spec');
    return result.value;
  };

  it.each([
    [
      'AIRoutingPolicy',
      routingPolicySpecArb.map(s => normalized(validateRoutingPolicySpec(s))),
    ],
    [
      'AIAccessPolicy',
      accessPolicySpecArb.map(s => normalized(validateAccessPolicySpec(s))),
    ],
  ] as const)('leaves a valid %s unchanged', (kind, specArb) => {
    fc.assert(
      fc.property(
        nameArb,
        nameArb,
        specArb as fc.Arbitrary<object>,
        ownerArb,
        systemArb,
        clusterArb,
        (name, namespace, spec, owner, system, cluster) => {
          const entity = entityOf(
            kind,
            name,
            namespace,
            spec,
            owner,
            system,
            cluster,
          );
          const { cluster: target, resource } = entityToResource(entity, {
            defaultCluster: 'default',
          });
          expect(target).toBe(cluster ?? 'default');
          expect(
            resourceToEntity(resource, { owner, system, cluster }),
          ).toEqual(entity);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fills in defaults once, then round-trips exactly', () => {
    fc.assert(
      fc.property(routingPolicySpecArb, spec => {
        const entity = entityOf('AIRoutingPolicy', 'p', 'ns', spec, 'guests');
        const once = resourceToEntity(
          entityToResource(entity, { defaultCluster: 'c' }).resource,
          { owner: 'guests' },
        );
        expect(once.spec).toEqual({
          ...normalized(validateRoutingPolicySpec(spec)),
          owner: 'guests',
        });
        const twice = resourceToEntity(
          entityToResource(once, { defaultCluster: 'c' }).resource,
          { owner: 'guests' },
        );
        expect(twice).toEqual(once);
      }),
      { numRuns: 100 },
    );
  });
});
