import fc from 'fast-check';
import {
  validatePolicyResource,
  type AIAccessPolicy,
  type AIRoutingPolicy,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  buildAccessIntent,
  buildRoutingIntent,
  managedServerSecretName,
} from '../../intent/buildIntent';
import { upstreamProblems } from '../../__testUtils__/upstreamValidation';
import type { KubernetesObject } from '../../kubernetes';
import { EnvoyAiGatewayRenderer } from './EnvoyAiGatewayRenderer';

const renderer = new EnvoyAiGatewayRenderer();

const label = (max = 20) =>
  fc.stringMatching(new RegExp(`^[a-z]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`));

const credentials = fc.oneof(
  fc.constant(undefined),
  fc.record({
    type: fc.constantFrom('APIKey', 'AzureAPIKey', 'AnthropicAPIKey'),
    secretRef: fc.record({ name: label() }),
  }),
  fc.record(
    { type: fc.constant('AWSCredentials'), region: fc.constant('us-east-1') },
    { requiredKeys: ['type', 'region'] },
  ),
  fc.record({
    type: fc.constant('AzureCredentials'),
    tenantId: fc.constant('t'),
    clientId: fc.constant('c'),
    secretRef: fc.record({ name: label() }),
  }),
  fc.record({
    type: fc.constant('GCPCredentials'),
    projectName: fc.constant('p'),
    region: fc.constant('us-central1'),
    secretRef: fc.option(fc.record({ name: label() }), { nil: undefined }),
  }),
);

const endpoint = fc.oneof(
  fc
    .tuple(
      label(),
      fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      fc.constantFrom('', '/v1', '/v1beta/openai/'),
    )
    .map(
      ([host, port, path]) =>
        `https://${host}.example.com${port ? `:${port}` : ''}${path}`,
    ),
  fc
    .tuple(label(), fc.integer({ min: 1, max: 65535 }))
    .map(([host, port]) => `http://${host}.team1.svc:${port}`),
  fc.ipV4().map(ip => `http://${ip}:8080`),
);

/** Model names as clients send them: often not valid section names. */
const modelName = fc.oneof(
  label(30),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.:/@_ -]{0,40}$/),
  fc.constant('route-not-found'),
);

const failover = fc.oneof(
  fc.constant(undefined),
  fc.constant({ retryOn: [502, 503], maxRetries: 1 }),
  fc.constant({ retryOn: ['connect-failure', 429], maxRetries: 2 }),
);

const rateLimit = fc.option(
  fc
    .record(
      {
        tokensPerHour: fc.integer({ min: 1, max: 2_000_000_000 }),
        tokensPerDay: fc.integer({ min: 1, max: 2_000_000_000 }),
        tokensPerMonth: fc.integer({ min: 1, max: 2_000_000_000 }),
        requestsPerMinute: fc.integer({ min: 1, max: 100000 }),
        tokenCountMode: fc.constantFrom(
          'InputToken',
          'OutputToken',
          'TotalToken',
        ),
      },
      { requiredKeys: [] },
    )
    .filter(r => Object.keys(r).some(k => k !== 'tokenCountMode'))
    .map(r =>
      r.tokensPerHour || r.tokensPerDay || r.tokensPerMonth
        ? r
        : { ...r, tokenCountMode: undefined },
    ),
  { nil: undefined },
);

/** Policy names up to 63 characters: long ones make `<r>-<p>` too long and force a hash. */
const policyName = fc.oneof(
  label(20),
  fc
    .tuple(label(20), fc.nat())
    .map(([a, n]) => `${a}-${'x'.repeat(40)}${n}`.slice(0, 63)),
);

const routingPolicy: fc.Arbitrary<AIRoutingPolicy> = fc
  .record({
    name: policyName,
    providers: fc.uniqueArray(
      fc.record({
        name: label(30),
        endpoint,
        schema: fc.constantFrom(
          'OpenAI',
          'AzureOpenAI',
          'AWSBedrock',
          'Anthropic',
          'Cohere',
        ),
        credentials,
      }),
      { minLength: 1, maxLength: 5, selector: p => p.name },
    ),
    models: fc.uniqueArray(
      fc.record({ name: modelName, failover, rateLimit }),
      {
        minLength: 1,
        maxLength: 40,
        size: 'max',
        selector: m => m.name,
      },
    ),
    backendSeed: fc.array(
      fc.tuple(
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 5 }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ name, providers, models, backendSeed }) => {
    const doc = {
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind: 'AIRoutingPolicy',
      metadata: {
        name,
        namespace: 'team1',
        uid: '11111111-2222-3333-4444-555555555555',
      },
      spec: {
        targetRef: { name: 'ai-gateway' },
        providers: providers.map(p =>
          p.credentials ? p : { ...p, credentials: undefined },
        ),
        models: models.map((m, i) => ({
          name: m.name,
          ...(m.failover ? { failover: m.failover } : {}),
          ...(m.rateLimit
            ? { rateLimit: JSON.parse(JSON.stringify(m.rateLimit)) }
            : {}),
          backends: backendSeed.map(([pick, priority, weight]) => ({
            provider: providers[(pick + i) % providers.length].name,
            model: `${m.name}-upstream`,
            priority,
            weight,
          })),
        })),
      },
    };
    const result = validatePolicyResource(JSON.parse(JSON.stringify(doc)));
    if (!result.ok)
      throw new Error(
        `generator made an invalid policy: ${JSON.stringify(result.problems)}`,
      );
    return result.value as AIRoutingPolicy;
  });

function render(policy: AIRoutingPolicy) {
  const { intent, problems } = buildRoutingIntent(policy);
  const result = renderer.render(intent);
  return {
    objects: result.objects,
    problems: [...problems, ...result.problems],
  };
}

const ofKind = (objects: KubernetesObject[], kind: string) =>
  objects.filter(o => o.kind === kind) as any[];

describe('rendering generated routing policies', () => {
  it('generates policies that exercise splitting, hashing and every limit kind', () => {
    const sample = fc.sample(routingPolicy, { numRuns: 200, seed: 42 });
    const outputs = sample.map(render);
    expect(
      outputs.some(o => ofKind(o.objects, 'AIGatewayRoute').length > 2),
    ).toBe(true);
    expect(sample.some(p => p.spec.models.length > 15)).toBe(true);
    expect(
      outputs.some(o =>
        o.objects.some(x => /-[0-9a-f]{8}$/.test(x.metadata.name)),
      ),
    ).toBe(true);
    expect(
      outputs.some(o =>
        ofKind(o.objects, 'BackendTrafficPolicy').some(b => b.spec.retry),
      ),
    ).toBe(true);
    expect(
      outputs.some(o =>
        ofKind(o.objects, 'AIGatewayRoute').some(
          r => (r.spec.llmRequestCosts ?? []).length > 1,
        ),
      ),
    ).toBe(true);
  });

  it('every object validates against the upstream CRDs and their CEL rules', () => {
    fc.assert(
      fc.property(routingPolicy, policy => {
        const { objects, problems } = render(policy);
        expect(problems).toEqual([]);
        expect(objects.flatMap(upstreamProblems)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('names are DNS labels, unique per kind, and the same on every run', () => {
    fc.assert(
      fc.property(routingPolicy, policy => {
        const names = render(policy).objects.map(
          o => `${o.kind}/${o.metadata.name}`,
        );
        expect(new Set(names).size).toBe(names.length);
        for (const n of names)
          expect(n.split('/')[1]).toMatch(
            /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
          );
        expect(
          render(policy).objects.map(o => `${o.kind}/${o.metadata.name}`),
        ).toEqual(names);
      }),
      { numRuns: 100 },
    );
  });

  it('no route has more than 15 rules, each model is routed exactly once, and a route never mixes failover settings', () => {
    fc.assert(
      fc.property(routingPolicy, policy => {
        const routes = ofKind(render(policy).objects, 'AIGatewayRoute');
        const routed: string[] = [];
        for (const r of routes) {
          expect(r.spec.rules.length).toBeLessThanOrEqual(15);
          const models = r.spec.rules.map(
            (rule: any) => rule.matches[0].headers[0].value,
          );
          routed.push(...models);
          const failovers = new Set(
            models.map((m: string) =>
              JSON.stringify(
                policy.spec.models.find(x => x.name === m)!.failover ?? null,
              ),
            ),
          );
          expect(failovers.size).toBe(1);
        }
        expect(routed.sort()).toEqual(
          policy.spec.models.map(m => m.name).sort(),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('every llmRequestCosts key is charged by a rate-limit rule of that route, and every charged key is declared', () => {
    fc.assert(
      fc.property(routingPolicy, policy => {
        const { objects } = render(policy);
        for (const route of ofKind(objects, 'AIGatewayRoute')) {
          const declared = (route.spec.llmRequestCosts ?? [])
            .map((c: any) => c.metadataKey)
            .sort();
          const btp = ofKind(objects, 'BackendTrafficPolicy').find(
            b => b.spec.targetRefs[0].name === route.metadata.name,
          );
          const charged = [
            ...new Set<string>(
              (btp?.spec.rateLimit?.global.rules ?? [])
                .filter((r: any) => r.cost)
                .map((r: any) => r.cost.response.metadata.key),
            ),
          ].sort();
          expect(charged).toEqual(declared);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('every BackendTrafficPolicy targets the HTTPRoute of a rendered route, and every backendRef names a rendered AIServiceBackend', () => {
    fc.assert(
      fc.property(routingPolicy, policy => {
        const { objects } = render(policy);
        const routes = new Set(
          ofKind(objects, 'AIGatewayRoute').map(r => r.metadata.name),
        );
        const backends = new Set(
          ofKind(objects, 'AIServiceBackend').map(r => r.metadata.name),
        );
        for (const b of ofKind(objects, 'BackendTrafficPolicy'))
          expect(routes.has(b.spec.targetRefs[0].name)).toBe(true);
        for (const r of ofKind(objects, 'AIGatewayRoute')) {
          for (const rule of r.spec.rules)
            for (const ref of rule.backendRefs)
              expect(backends.has(ref.name)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

const accessPolicy: fc.Arbitrary<AIAccessPolicy> = fc
  .record({
    name: policyName,
    trustDomain: fc.domain().map(d => d.toLowerCase()),
    subjects: fc.array(
      fc.oneof(
        label().map(ns => ({ spiffeIdPrefix: `/ns/${ns}/` })),
        fc
          .tuple(label(), label())
          .map(([ns, sa]) => ({ spiffeId: `/ns/${ns}/sa/${sa}` })),
      ),
      { maxLength: 5 },
    ),
    serverCertRef: fc.option(label(), { nil: undefined }),
  })
  .map(({ name, trustDomain, subjects, serverCertRef }) => {
    const doc = {
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind: 'AIAccessPolicy',
      metadata: {
        name,
        namespace: 'team1',
        uid: '11111111-2222-3333-4444-555555555555',
      },
      spec: {
        targetRef: { name: 'ai-gateway' },
        mtls: {
          trustDomain,
          trustBundleConfigMap: {
            name: 'spire-bundle',
            namespace: 'spire-system',
          },
          ...(serverCertRef ? { serverCertRef: { name: serverCertRef } } : {}),
          ...(subjects.length
            ? {
                allowedSubjects: subjects.map(s =>
                  'spiffeId' in s
                    ? { spiffeId: `spiffe://${trustDomain}${s.spiffeId}` }
                    : {
                        spiffeIdPrefix: `spiffe://${trustDomain}${s.spiffeIdPrefix}`,
                      },
                ),
              }
            : {}),
        },
      },
    };
    const result = validatePolicyResource(doc);
    if (!result.ok)
      throw new Error(
        `generator made an invalid policy: ${JSON.stringify(result.problems)}`,
      );
    return result.value as AIAccessPolicy;
  });

describe('rendering generated access policies', () => {
  it('every object is valid upstream, names are unique DNS labels, and the SAN matchers stay in the trust domain', () => {
    fc.assert(
      fc.property(accessPolicy, fc.boolean(), (policy, knownGateway) => {
        const secret =
          policy.spec.mtls.serverCertRef?.name ??
          managedServerSecretName(policy.metadata.name);
        const gateway = {
          metadata: { name: 'ai-gateway', namespace: 'team1' },
          spec: {
            listeners: [
              {
                name: 'https',
                protocol: 'HTTPS',
                port: 8443,
                tls: { certificateRefs: [{ name: secret }] },
              },
            ],
          },
        };
        const { intent } = buildAccessIntent(policy, {
          caBundlePem:
            '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
          gateway: knownGateway ? gateway : undefined,
          serverCertificate: { certPem: 'c', keyPem: 'k' },
        });
        const { objects } = renderer.render(intent);
        expect(objects.flatMap(upstreamProblems)).toEqual([]);
        const names = objects.map(o => `${o.kind}/${o.metadata.name}`);
        expect(new Set(names).size).toBe(names.length);
        const ctp = objects.find(o => o.kind === 'ClientTrafficPolicy') as any;
        for (const uri of ctp.spec.tls.clientValidation.subjectAltNames.uris) {
          expect(
            uri.value.startsWith(`spiffe://${policy.spec.mtls.trustDomain}/`),
          ).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
