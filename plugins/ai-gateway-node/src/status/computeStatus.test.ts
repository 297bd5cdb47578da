import { buildAccessIntent, buildRoutingIntent } from '../intent/buildIntent';
import { EnvoyAiGatewayRenderer } from '../renderers/envoyAiGateway';
import {
  FIXTURE_NOW,
  serverCertificateFixture,
  specAccessFixture,
  specRoutingPolicy,
} from '../__testUtils__/fixtures';
import { parseTrustBundle } from '../trustBundle/parseTrustBundle';
import {
  computeStatus,
  type ComputeStatusInput,
  type ObservedState,
} from './computeStatus';

const renderer = new EnvoyAiGatewayRenderer();
const now = FIXTURE_NOW;
const later = new Date(now.getTime() + 60_000);

const acceptedGateway = () => ({
  ...specAccessFixture().gateway,
  status: {
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: '' },
      {
        type: 'Programmed',
        status: 'False',
        reason: 'AddressNotAssigned',
        message: 'No addresses',
      },
    ],
  },
});

const allSecrets = () =>
  new Map([
    ['team1/openai-secret', { keys: ['apiKey'] }],
    ['team1/azure-secret', { keys: ['client-secret'] }],
    ['team1/aws-secret', { keys: ['credentials'] }],
  ]);

function routingInput(
  overrides: Partial<ObservedState> = {},
  policy = specRoutingPolicy(),
): ComputeStatusInput {
  const { intent } = buildRoutingIntent(policy);
  const { objects } = renderer.render(intent);
  return {
    policy,
    objects,
    observed: {
      gateway: acceptedGateway(),
      secretKeys: allSecrets(),
      policies: [policy],
      ...overrides,
    },
    now,
  };
}

const cond = (status: { conditions: any[] }, type: string) =>
  status.conditions.find(c => c.type === type);

describe('computeStatus for routing policies', () => {
  it('reports every condition True with observedGeneration, providers, models and resources', () => {
    const input = routingInput();
    input.observed.liveObjects = input.objects
      .filter(o => o.kind === 'AIGatewayRoute')
      .map(o => ({
        ...o,
        status: {
          conditions: [{ type: 'Accepted', status: 'True', message: 'ok' }],
        },
      }));
    const status = computeStatus(input);
    expect(status.conditions.map(c => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'True', 'Valid'],
      ['GatewayBound', 'True', 'Bound'],
      ['ProvidersConfigured', 'True', 'Configured'],
      ['RoutingActive', 'True', 'Applied'],
      ['Programmed', 'True', 'Programmed'],
    ]);
    expect(
      status.conditions.every(
        c =>
          c.observedGeneration === 1 &&
          c.lastTransitionTime === now.toISOString(),
      ),
    ).toBe(true);
    expect(cond(status, 'ProvidersConfigured').message).toBe(
      '4/4 providers configured',
    );
    expect(cond(status, 'GatewayBound').message).toMatch(
      /not programmed \(AddressNotAssigned\)/,
    );
    expect(
      (status as any).providers.map((p: any) => [p.name, p.ready]),
    ).toEqual([
      ['openai', true],
      ['azure', true],
      ['bedrock', true],
      ['ollama', true],
    ]);
    expect((status as any).models).toEqual([
      {
        name: 'gpt-4o',
        ready: true,
        message: 'via AIGatewayRoute team1-models',
      },
      {
        name: 'qwen2.5:3b',
        ready: true,
        message: 'via AIGatewayRoute team1-models-2',
      },
    ]);
    expect(status.resources).toContainEqual({
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      name: 'team1-models',
      accepted: true,
    });
    expect(status.resources).toContainEqual({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      name: 'team1-models-openai',
    });
  });

  it('names the missing Secret and the missing key, and counts configured providers', () => {
    const secrets = allSecrets();
    secrets.delete('team1/openai-secret');
    secrets.set('team1/azure-secret', { keys: ['clientSecret'] });
    const status = computeStatus(routingInput({ secretKeys: secrets }));
    const c = cond(status, 'ProvidersConfigured');
    expect(c).toMatchObject({ status: 'False', reason: 'PartialFailure' });
    expect(c.message).toBe(
      '2/4 providers configured; openai: Secret team1/openai-secret not found; create it with the key "apiKey"; azure: Secret team1/azure-secret has no key "client-secret" (has: clientSecret)',
    );
    expect(cond(status, 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'PartialFailure',
      message: expect.stringMatching(/^ProvidersConfigured: 2\/4/),
    });
    expect((status as any).models[0]).toEqual({
      name: 'gpt-4o',
      ready: false,
      message: 'no provider ready (openai, azure)',
    });
  });

  it('uses the failing reason itself when no provider is configured', () => {
    const p = specRoutingPolicy();
    p.spec.providers = [p.spec.providers[0]];
    p.spec.models = [
      { ...p.spec.models[0], backends: [p.spec.models[0].backends[0]] },
    ];
    const status = computeStatus(routingInput({ secretKeys: new Map() }, p));
    expect(cond(status, 'ProvidersConfigured')).toMatchObject({
      status: 'False',
      reason: 'CredentialSecretNotFound',
    });
  });

  it('reports an invalid spec with every problem, and Programmed carries InvalidSpec', () => {
    const input = routingInput();
    input.problems = [
      { path: 'spec.providers[0].endpoint', message: 'needs a host name' },
      { path: 'spec.models[0].rateLimit.tokensPerMonth', message: 'too large' },
    ];
    const status = computeStatus(input);
    expect(cond(status, 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message:
        'spec.providers[0].endpoint: needs a host name; spec.models[0].rateLimit.tokensPerMonth: too large',
    });
    expect(cond(status, 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
    });
  });

  it('lets the oldest policy win a model on the same Gateway; the other is Conflicted naming the winner', () => {
    const older = specRoutingPolicy();
    older.metadata = {
      ...older.metadata,
      name: 'older',
      creationTimestamp: '2026-10-01T00:00:00Z',
    };
    const elsewhere = specRoutingPolicy();
    elsewhere.metadata = {
      ...elsewhere.metadata,
      name: 'aaa-other-gateway',
      creationTimestamp: '2026-01-01T00:00:00Z',
    };
    elsewhere.spec.targetRef = { ...elsewhere.spec.targetRef, name: 'other' };
    const mine = specRoutingPolicy();
    const status = computeStatus(
      routingInput({ policies: [mine, older, elsewhere] }, mine),
    );
    expect(cond(status, 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'Conflicted',
      message: expect.stringMatching(
        /model "gpt-4o" is also exposed by AIRoutingPolicy team1\/older, which is older and wins/,
      ),
    });
    expect(
      cond(
        computeStatus(routingInput({ policies: [mine, older] }, older)),
        'Accepted',
      ).status,
    ).toBe('True');
  });

  it('lets the oldest policy keep an object name that two policies of a namespace would both write', () => {
    const older = specRoutingPolicy();
    older.metadata = {
      ...older.metadata,
      name: 'team1',
      creationTimestamp: '2026-10-01T00:00:00Z',
    };
    older.spec.providers[0].name = 'models-openai';
    older.spec.models = [
      {
        ...older.spec.models[0],
        name: 'other-model',
        backends: [
          { ...older.spec.models[0].backends[0], provider: 'models-openai' },
        ],
      },
    ];
    older.spec.targetRef = { ...older.spec.targetRef, name: 'another-gateway' };
    const mine = specRoutingPolicy();
    expect(
      cond(
        computeStatus(routingInput({ policies: [mine, older] }, mine)),
        'Accepted',
      ),
    ).toMatchObject({
      status: 'False',
      reason: 'Conflicted',
      message:
        'objects team1-models-openai would also be written for AIRoutingPolicy team1/team1, which is older and wins; rename the policy or a provider',
    });
    expect(
      cond(
        computeStatus(routingInput({ policies: [mine, older] }, older)),
        'Accepted',
      ).status,
    ).toBe('True');
  });

  it('breaks creationTimestamp ties by name', () => {
    const a = specRoutingPolicy();
    a.metadata = { ...a.metadata, name: 'a' };
    const b = specRoutingPolicy();
    b.metadata = { ...b.metadata, name: 'b' };
    expect(
      cond(computeStatus(routingInput({ policies: [a, b] }, b)), 'Accepted')
        .message,
    ).toMatch(/team1\/a/);
    expect(
      cond(computeStatus(routingInput({ policies: [a, b] }, a)), 'Accepted')
        .status,
    ).toBe('True');
  });

  it('reports a missing or unaccepted Gateway', () => {
    expect(
      cond(computeStatus(routingInput({ gateway: undefined })), 'GatewayBound'),
    ).toMatchObject({
      status: 'False',
      reason: 'GatewayNotFound',
      message:
        'Gateway team1/ai-gateway not found: create it or fix spec.targetRef.name',
    });
    const gateway = {
      ...acceptedGateway(),
      status: {
        conditions: [
          {
            type: 'Accepted',
            status: 'False',
            reason: 'InvalidParameters',
            message: 'bad class',
          },
        ],
      },
    };
    expect(
      cond(computeStatus(routingInput({ gateway })), 'GatewayBound'),
    ).toMatchObject({
      status: 'False',
      reason: 'GatewayNotAccepted',
      message: expect.stringMatching(/InvalidParameters: bad class/),
    });
  });

  it("reads back Envoy AI Gateway's NotAccepted condition type as RouteNotAccepted", () => {
    const input = routingInput();
    const route = input.objects.find(o => o.kind === 'AIGatewayRoute')!;
    input.observed.liveObjects = [
      {
        ...route,
        status: {
          conditions: [
            {
              type: 'NotAccepted',
              status: 'False',
              message: 'backend not found',
            },
          ],
        },
      },
    ];
    const status = computeStatus(input);
    expect(cond(status, 'RoutingActive')).toMatchObject({
      status: 'False',
      reason: 'RouteNotAccepted',
      message: 'AIGatewayRoute team1-models: backend not found',
    });
    expect(
      status.resources.find(
        r => r.name === 'team1-models' && r.kind === 'AIGatewayRoute',
      )?.accepted,
    ).toBe(false);
    expect((status as any).models[0].ready).toBe(false);
  });

  it('reports apply failures', () => {
    const input = routingInput();
    input.applyErrors = new Map([
      [
        'gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy/team1/team1-models',
        'admission webhook denied',
      ],
    ]);
    expect(cond(computeStatus(input), 'RoutingActive')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
      message: 'BackendTrafficPolicy team1-models: admission webhook denied',
    });
  });

  it('keeps lastTransitionTime while a status stays, moves it when the status changes', () => {
    const first = computeStatus(routingInput());
    const policy = specRoutingPolicy();
    policy.status = { conditions: first.conditions };
    const again = computeStatus({ ...routingInput({}, policy), now: later });
    expect(again.conditions.map(c => c.lastTransitionTime)).toEqual(
      first.conditions.map(() => now.toISOString()),
    );
    const broken = computeStatus({
      ...routingInput({ gateway: undefined }, policy),
      now: later,
    });
    expect(cond(broken, 'GatewayBound').lastTransitionTime).toBe(
      later.toISOString(),
    );
    expect(cond(broken, 'Accepted').lastTransitionTime).toBe(now.toISOString());
  });
});

describe('computeStatus for access policies', () => {
  function accessInput(
    overrides: Partial<ObservedState> = {},
  ): ComputeStatusInput {
    const { policy, configMap } = specAccessFixture();
    const bundle = parseTrustBundle(configMap.data['bundle.spiffe'], {
      now,
      source: 'ConfigMap spire-system/spire-bundle key bundle.spiffe',
    });
    const gateway =
      'gateway' in overrides ? overrides.gateway : acceptedGateway();
    const { intent } = buildAccessIntent(policy, {
      caBundlePem: bundle.ok ? bundle.pem : undefined,
      gateway,
      serverCertificate: serverCertificateFixture(),
    });
    return {
      policy,
      objects: renderer.render(intent).objects,
      observed: { gateway, bundle, policies: [policy], ...overrides },
      now,
    };
  }

  it('reports the bundle and an active mTLS listener', () => {
    const status = computeStatus(accessInput());
    expect(status.conditions.map(c => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'True', 'Valid'],
      ['GatewayBound', 'True', 'Bound'],
      ['BundleReady', 'True', 'Loaded'],
      ['MTLSActive', 'True', 'Applied'],
      ['Programmed', 'True', 'Programmed'],
    ]);
    expect(cond(status, 'BundleReady').message).toMatch(
      /^2 certificates from SPIFFE bundle, earliest expiry 2036-01-01T00:00:00.000Z, sequence 7; 1 left out \(expired/,
    );
    expect((status as any).bundle).toEqual({
      certificates: 2,
      earliestExpiry: '2036-01-01T00:00:00.000Z',
      sequence: 7,
    });
  });

  it('reports bundle failures with their reason', () => {
    const status = computeStatus(
      accessInput({ bundle: parseTrustBundle('nonsense', { now }) }),
    );
    expect(cond(status, 'BundleReady')).toMatchObject({
      status: 'False',
      reason: 'BundleParseError',
    });
    expect((status as any).bundle).toEqual({ certificates: 0 });
    expect(cond(status, 'Programmed').reason).toBe('BundleParseError');
  });

  it('says which listener to add when the Gateway has no HTTPS listener serving the certificate', () => {
    const gateway = acceptedGateway();
    gateway.spec.listeners = [gateway.spec.listeners[0]];
    const c = cond(computeStatus(accessInput({ gateway })), 'MTLSActive');
    expect(c).toMatchObject({ status: 'False', reason: 'ListenerNotHTTPS' });
    expect(c.message).toBe(
      'Gateway team1/ai-gateway has no HTTPS listener serving Secret ai-gateway-access-mtls-server; add a listener such as {name: https, protocol: HTTPS, port: 8443, tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: ai-gateway-access-mtls-server}]}}',
    );
  });

  it('reports a failed certificate generation', () => {
    expect(
      cond(
        computeStatus(accessInput({ certificateError: 'no entropy' })),
        'MTLSActive',
      ),
    ).toMatchObject({
      status: 'False',
      reason: 'CertGenerationFailed',
      message: expect.stringMatching(/no entropy/),
    });
  });

  it('reads back Envoy Gateway policy ancestors: a rejected ClientTrafficPolicy is not active', () => {
    const input = accessInput();
    const ctp = input.objects.find(o => o.kind === 'ClientTrafficPolicy')!;
    input.observed.liveObjects = [
      {
        ...ctp,
        status: {
          ancestors: [
            {
              conditions: [
                {
                  type: 'Accepted',
                  status: 'False',
                  reason: 'Invalid',
                  message: 'secret not found',
                },
              ],
            },
          ],
        },
      },
    ];
    expect(cond(computeStatus(input), 'MTLSActive')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
      message: expect.stringMatching(/secret not found/),
    });
  });

  it('lets the oldest of two access policies on one Gateway win', () => {
    const { policy } = specAccessFixture();
    const older = {
      ...policy,
      metadata: {
        ...policy.metadata,
        name: 'first',
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
    };
    expect(
      cond(
        computeStatus(accessInput({ policies: [policy, older] })),
        'Accepted',
      ),
    ).toMatchObject({
      status: 'False',
      reason: 'Conflicted',
      message: expect.stringMatching(
        /AIAccessPolicy team1\/first, which is older and wins/,
      ),
    });
  });
});
