import path from 'node:path';
import type { AIRoutingPolicy } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  buildAccessIntent,
  buildRoutingIntent,
} from '../../intent/buildIntent';
import { parseTrustBundle } from '../../trustBundle/parseTrustBundle';
import { upstreamProblems } from '../../__testUtils__/upstreamValidation';
import {
  FIXTURE_NOW,
  expectGolden,
  serverCertificateFixture,
  specAccessFixture,
  specRoutingPolicy,
  toYamlStream,
} from '../../__testUtils__/fixtures';
import type { KubernetesObject } from '../../kubernetes';
import { EnvoyAiGatewayRenderer } from './EnvoyAiGatewayRenderer';

const GOLDEN = path.join(__dirname, '__golden__');
const renderer = new EnvoyAiGatewayRenderer();

function renderRouting(policy: AIRoutingPolicy, instance?: string) {
  const { intent, problems } = buildRoutingIntent(policy);
  const result = renderer.render(intent, instance ? { instance } : {});
  return { ...result, problems: [...problems, ...result.problems] };
}

function renderSpecAccess(
  overrides: { gateway?: any; caBundlePem?: string | null } = {},
) {
  const { policy, gateway, configMap } = specAccessFixture();
  const bundle = parseTrustBundle(configMap.data['bundle.spiffe'], {
    now: FIXTURE_NOW,
  });
  if (!bundle.ok) throw new Error(bundle.message);
  const { intent } = buildAccessIntent(policy, {
    caBundlePem:
      overrides.caBundlePem === null
        ? undefined
        : overrides.caBundlePem ?? bundle.pem,
    gateway: 'gateway' in overrides ? overrides.gateway : gateway,
    serverCertificate: serverCertificateFixture(),
  });
  return renderer.render(intent, { instance: 'test' });
}

const byKind = (objects: KubernetesObject[], kind: string) =>
  objects.filter(o => o.kind === kind);
const find = (objects: KubernetesObject[], kind: string, name: string) =>
  objects.find(o => o.kind === kind && o.metadata.name === name) as any;

function expectAllValid(objects: KubernetesObject[]) {
  expect(objects.flatMap(upstreamProblems)).toEqual([]);
}

describe('EnvoyAiGatewayRenderer on the SPEC examples', () => {
  it('renders the routing example as the golden file, every object valid upstream', () => {
    const { objects, problems } = renderRouting(specRoutingPolicy(), 'test');
    expect(problems).toEqual([]);
    expectAllValid(objects);
    expectGolden(path.join(GOLDEN, 'spec-routing.yaml'), toYamlStream(objects));
  });

  it('renders the access example as the golden file, every object valid upstream', () => {
    const { objects, problems, retain } = renderSpecAccess();
    expect(problems).toEqual([]);
    expect(retain).toEqual([]);
    expectAllValid(objects);
    expectGolden(path.join(GOLDEN, 'spec-access.yaml'), toYamlStream(objects));
  });
});

describe('providers', () => {
  const policy = specRoutingPolicy();
  const { objects } = renderRouting(policy);

  it('renders a Backend per provider with one fqdn endpoint and the port from the URL or 443/80', () => {
    expect(
      find(objects, 'Backend', 'team1-models-openai').spec.endpoints,
    ).toEqual([{ fqdn: { hostname: 'api.openai.com', port: 443 } }]);
    expect(
      find(objects, 'Backend', 'team1-models-ollama').spec.endpoints,
    ).toEqual([{ fqdn: { hostname: 'ollama.team1.svc', port: 11434 } }]);
  });

  it('renders ip endpoints and port 80 for plain http', () => {
    const p = structuredClone(policy);
    p.spec.providers[3].endpoint = 'http://10.0.0.7';
    const { objects: out } = renderRouting(p);
    expect(find(out, 'Backend', 'team1-models-ollama').spec.endpoints).toEqual([
      { ip: { address: '10.0.0.7', port: 80 } },
    ]);
    expectAllValid(out);
  });

  it('renders a BackendTLSPolicy (v1) for https endpoints only, verifying the URL host with system CAs', () => {
    const tls = byKind(objects, 'BackendTLSPolicy');
    expect(tls.map(o => o.metadata.name).sort()).toEqual([
      'team1-models-azure',
      'team1-models-bedrock',
      'team1-models-openai',
    ]);
    const openai = find(objects, 'BackendTLSPolicy', 'team1-models-openai');
    expect(openai.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(openai.spec).toEqual({
      targetRefs: [
        {
          group: 'gateway.envoyproxy.io',
          kind: 'Backend',
          name: 'team1-models-openai',
        },
      ],
      validation: {
        hostname: 'api.openai.com',
        wellKnownCACertificates: 'System',
      },
    });
  });

  it('refuses an https endpoint with an IP address (nothing to verify the certificate against)', () => {
    const p = structuredClone(policy);
    p.spec.providers[0].endpoint = 'https://192.0.2.10:8443';
    expect(renderRouting(p).problems).toEqual([
      expect.objectContaining({
        path: 'spec.providers[0].endpoint',
        message: expect.stringMatching(/host name/),
      }),
    ]);
  });

  it('renders the AIServiceBackend schema with version and the path prefix, backendRef with explicit group and kind', () => {
    expect(
      find(objects, 'AIServiceBackend', 'team1-models-azure').spec,
    ).toEqual({
      schema: { name: 'AzureOpenAI', version: '2025-01-01-preview' },
      backendRef: {
        group: 'gateway.envoyproxy.io',
        kind: 'Backend',
        name: 'team1-models-azure',
      },
    });
    const p = structuredClone(policy);
    p.spec.providers[0].endpoint =
      'https://generativelanguage.googleapis.com/v1beta/openai/';
    const { objects: out } = renderRouting(p);
    expect(
      find(out, 'AIServiceBackend', 'team1-models-openai').spec.schema,
    ).toEqual({
      name: 'OpenAI',
      prefix: '/v1beta/openai',
    });
  });

  it.each([
    [
      'APIKey',
      { type: 'APIKey', secretRef: { name: 's' } },
      { apiKey: { secretRef: { name: 's' } } },
    ],
    [
      'AzureAPIKey',
      { type: 'AzureAPIKey', secretRef: { name: 's' } },
      { azureAPIKey: { secretRef: { name: 's' } } },
    ],
    [
      'AnthropicAPIKey',
      { type: 'AnthropicAPIKey', secretRef: { name: 's' } },
      { anthropicAPIKey: { secretRef: { name: 's' } } },
    ],
    [
      'AWSCredentials with a Secret',
      { type: 'AWSCredentials', region: 'eu-west-1', secretRef: { name: 's' } },
      {
        awsCredentials: {
          region: 'eu-west-1',
          credentialsFile: { secretRef: { name: 's' } },
        },
      },
    ],
    [
      'AWSCredentials from pod identity',
      { type: 'AWSCredentials', region: 'eu-west-1' },
      { awsCredentials: { region: 'eu-west-1' } },
    ],
    [
      'AzureCredentials',
      {
        type: 'AzureCredentials',
        tenantId: 't',
        clientId: 'c',
        secretRef: { name: 's' },
      },
      {
        azureCredentials: {
          clientID: 'c',
          tenantID: 't',
          clientSecretRef: { name: 's' },
        },
      },
    ],
    [
      'GCPCredentials with a Secret',
      {
        type: 'GCPCredentials',
        projectName: 'p',
        region: 'us-central1',
        secretRef: { name: 's' },
      },
      {
        gcpCredentials: {
          projectName: 'p',
          region: 'us-central1',
          credentialsFile: { secretRef: { name: 's' } },
        },
      },
    ],
    [
      'GCPCredentials from workload identity',
      { type: 'GCPCredentials', projectName: 'p', region: 'us-central1' },
      { gcpCredentials: { projectName: 'p', region: 'us-central1' } },
    ],
  ])(
    'renders a BackendSecurityPolicy for %s with exactly its sub-object',
    (_, credentials, expected) => {
      const p = structuredClone(policy);
      p.spec.providers[0].credentials = credentials as any;
      const { objects: out } = renderRouting(p);
      const bsp = find(out, 'BackendSecurityPolicy', 'team1-models-openai');
      expect(bsp.spec).toEqual({
        targetRefs: [
          {
            group: 'aigateway.envoyproxy.io',
            kind: 'AIServiceBackend',
            name: 'team1-models-openai',
          },
        ],
        type: credentials.type,
        ...expected,
      });
      expectAllValid(out);
    },
  );

  it('renders no BackendSecurityPolicy for a provider without credentials', () => {
    expect(
      find(objects, 'BackendSecurityPolicy', 'team1-models-ollama'),
    ).toBeUndefined();
  });
});

describe('routes', () => {
  const policy = specRoutingPolicy();
  const { objects } = renderRouting(policy);

  it('routes each model by the x-ai-eg-model header to <r>-<p> backends with priority, weight and modelNameOverride', () => {
    const route = find(objects, 'AIGatewayRoute', 'team1-models');
    expect(route.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'ai-gateway',
      },
    ]);
    expect(route.spec.rules[0]).toEqual({
      name: 'gpt-4o',
      matches: [
        {
          headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: 'gpt-4o' }],
        },
      ],
      backendRefs: [
        {
          name: 'team1-models-openai',
          modelNameOverride: 'gpt-4o',
          priority: 0,
          weight: 1,
        },
        {
          name: 'team1-models-azure',
          modelNameOverride: 'gpt-4o-2024-05-13',
          priority: 1,
          weight: 1,
        },
      ],
    });
  });

  it('makes model names valid, unique rule names (qwen2.5:3b is not a section name)', () => {
    const rules = byKind(objects, 'AIGatewayRoute').flatMap(
      (r: any) => r.spec.rules,
    );
    const qwen = rules.find(
      (r: any) => r.matches[0].headers[0].value === 'qwen2.5:3b',
    );
    expect(qwen.name).toMatch(/^qwen2\.5-3b-[0-9a-f]{8}$/);
  });

  it('puts models with different failover settings in different routes, with a BackendTrafficPolicy each', () => {
    const routes = byKind(objects, 'AIGatewayRoute');
    expect(routes.map(r => r.metadata.name)).toEqual([
      'team1-models',
      'team1-models-2',
    ]);
    const btps = byKind(objects, 'BackendTrafficPolicy') as any[];
    expect(btps.map(b => b.spec.targetRefs)).toEqual([
      [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: 'team1-models',
        },
      ],
      [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: 'team1-models-2',
        },
      ],
    ]);
  });

  it('splits more than 15 models into routes <r>, <r>-2, … of at most 15 rules', () => {
    const p = structuredClone(policy);
    p.spec.models = Array.from({ length: 40 }, (_, i) => ({
      name: `m${i}`,
      backends: [
        { provider: 'openai', model: `m${i}`, priority: 0, weight: 1 },
      ],
    }));
    const { objects: out } = renderRouting(p);
    const routes = byKind(out, 'AIGatewayRoute') as any[];
    expect(routes.map(r => [r.metadata.name, r.spec.rules.length])).toEqual([
      ['team1-models', 15],
      ['team1-models-2', 15],
      ['team1-models-3', 10],
    ]);
    expectAllValid(out);
  });

  it('declares llmRequestCosts only for the token modes in use', () => {
    expect(
      find(objects, 'AIGatewayRoute', 'team1-models').spec.llmRequestCosts,
    ).toEqual([{ metadataKey: 'llm_total_token', type: 'TotalToken' }]);
    expect(
      find(objects, 'AIGatewayRoute', 'team1-models-2').spec.llmRequestCosts,
    ).toBeUndefined();
  });

  it('renders global rate-limit rules per model and window, token rules charged from the response metadata', () => {
    const p = structuredClone(policy);
    p.spec.models[0].rateLimit = {
      tokensPerHour: 1000,
      tokensPerDay: 20000,
      tokensPerMonth: 500000,
      requestsPerMinute: 10,
      tokenCountMode: 'OutputToken',
    };
    const { objects: out } = renderRouting(p);
    const rules = find(out, 'BackendTrafficPolicy', 'team1-models').spec
      .rateLimit.global.rules;
    const selector = [
      { headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: 'gpt-4o' }] },
    ];
    const tokenCost = {
      request: { from: 'Number', number: 0 },
      response: {
        from: 'Metadata',
        metadata: { namespace: 'io.envoy.ai_gateway', key: 'llm_output_token' },
      },
    };
    expect(rules).toEqual([
      { clientSelectors: selector, limit: { requests: 10, unit: 'Minute' } },
      {
        clientSelectors: selector,
        limit: { requests: 1000, unit: 'Hour' },
        cost: tokenCost,
      },
      {
        clientSelectors: selector,
        limit: { requests: 20000, unit: 'Day' },
        cost: tokenCost,
      },
      {
        clientSelectors: selector,
        limit: { requests: 500000, unit: 'Month' },
        cost: tokenCost,
      },
    ]);
    expect(
      find(out, 'AIGatewayRoute', 'team1-models').spec.llmRequestCosts,
    ).toEqual([{ metadataKey: 'llm_output_token', type: 'OutputToken' }]);
    expectAllValid(out);
  });

  it('refuses a limit above what Envoy Gateway can count, naming the field', () => {
    const p = structuredClone(policy);
    p.spec.models[0].rateLimit = { tokensPerMonth: 5_000_000_000 };
    const { problems, objects: out } = renderRouting(p);
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'spec.models[0].rateLimit.tokensPerMonth',
      }),
    ]);
    expect(
      find(out, 'AIGatewayRoute', 'team1-models').spec.llmRequestCosts,
    ).toBeUndefined();
  });

  it('renders retries from failover: numRetries, triggers, status codes with the trigger they need, one attempt per priority', () => {
    expect(
      find(objects, 'BackendTrafficPolicy', 'team1-models').spec.retry,
    ).toEqual({
      numRetries: 2,
      numAttemptsPerPriority: 1,
      retryOn: {
        triggers: ['connect-failure', 'retriable-status-codes'],
        httpStatusCodes: [429, 502, 503],
      },
    });
    expect(
      find(objects, 'BackendTrafficPolicy', 'team1-models-2').spec.retry,
    ).toBeUndefined();
  });

  it('renders no BackendTrafficPolicy for a route with neither limits nor retries', () => {
    const p = structuredClone(policy);
    delete p.spec.models[1].rateLimit;
    const { objects: out } = renderRouting(p);
    expect(find(out, 'BackendTrafficPolicy', 'team1-models-2')).toBeUndefined();
  });
});

describe('metadata and names', () => {
  it('puts every object in the policy namespace, owned by the policy, with the managed-by, policy and instance labels', () => {
    const { objects } = renderRouting(specRoutingPolicy(), 'prod-backstage');
    for (const o of [...objects, ...renderSpecAccess().objects]) {
      expect(o.metadata.namespace).toBe('team1');
      expect(o.metadata.labels).toEqual({
        'app.kubernetes.io/managed-by': 'kagenti-ai-gateway',
        'aigateway.kagenti.dev/policy': expect.stringMatching(
          /^(team1-models|ai-gateway-access)$/,
        ),
        'aigateway.kagenti.dev/managed-by-instance': expect.any(String),
      });
      expect(o.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          apiVersion: 'aigateway.kagenti.dev/v1alpha1',
          controller: true,
          blockOwnerDeletion: true,
          uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        }),
      ]);
    }
  });

  it('leaves out ownerReferences when the policy has no uid yet (a wrong uid would get the object deleted)', () => {
    const p = specRoutingPolicy();
    delete p.metadata.uid;
    const { objects } = renderRouting(p);
    expect(objects.every(o => o.metadata.ownerReferences === undefined)).toBe(
      true,
    );
  });

  it('handles policy names that are long DNS subdomains (dots, up to 253 characters)', () => {
    const p = specRoutingPolicy();
    p.metadata.name = `team1.models.${'x'.repeat(120)}`;
    const { objects } = renderRouting(p);
    expectAllValid(objects);
    const label = objects[0].metadata.labels!['aigateway.kagenti.dev/policy'];
    expect(label).toMatch(/^team1\.models\.x+-[0-9a-f]{8}$/);
    expect(label.length).toBeLessThanOrEqual(63);
  });

  it('keeps names DNS labels of at most 63 characters, stable, with a hash when cut', () => {
    const p = specRoutingPolicy();
    p.metadata.name = `a-very-long-routing-policy-name-that-goes-on-and-on-and-on-x`;
    p.spec.providers[0].name = 'openai-with-an-equally-long-provider-name';
    const first = renderRouting(p).objects.map(o => o.metadata.name);
    const second = renderRouting(p).objects.map(o => o.metadata.name);
    expect(first).toEqual(second);
    for (const n of first)
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(first.some(n => /-[0-9a-f]{8}$/.test(n))).toBe(true);
    expectAllValid(renderRouting(p).objects);
  });
});

describe('access', () => {
  it('writes the valid CAs as ca.crt and the managed server certificate as a kubernetes.io/tls Secret', () => {
    const { objects } = renderSpecAccess();
    const ca = find(objects, 'Secret', 'ai-gateway-access-mtls-ca');
    const pem = Buffer.from(ca.data['ca.crt'], 'base64').toString();
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const server = find(objects, 'Secret', 'ai-gateway-access-mtls-server');
    expect(server.type).toBe('kubernetes.io/tls');
    expect(Object.keys(server.data)).toEqual(['tls.crt', 'tls.key']);
  });

  it('requires and verifies client certificates on the HTTPS listener serving the certificate, matching the allowed SPIFFE IDs', () => {
    const ctp = find(
      renderSpecAccess().objects,
      'ClientTrafficPolicy',
      'ai-gateway-access',
    );
    expect(ctp.spec).toEqual({
      targetRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'ai-gateway',
          sectionName: 'https',
        },
      ],
      tls: {
        clientValidation: {
          caCertificateRefs: [
            { group: '', kind: 'Secret', name: 'ai-gateway-access-mtls-ca' },
          ],
          mode: 'RequireAndVerify',
          subjectAltNames: {
            uris: [
              { type: 'Prefix', value: 'spiffe://localtest.me/ns/team1/' },
              {
                type: 'Exact',
                value: 'spiffe://localtest.me/ns/team2/sa/weather-agent',
              },
            ],
          },
        },
      },
      headers: {
        xForwardedClientCert: {
          mode: 'SanitizeSet',
          certDetailsToAdd: ['URI'],
        },
      },
    });
  });

  it('admits the whole trust domain by default', () => {
    const { policy } = specAccessFixture();
    delete policy.spec.mtls.allowedSubjects;
    const { intent } = buildAccessIntent(policy, {
      caBundlePem: 'x',
      gateway: specAccessFixture().gateway,
    });
    const ctp = find(
      renderer.render(intent).objects,
      'ClientTrafficPolicy',
      'ai-gateway-access',
    );
    expect(ctp.spec.tls.clientValidation.subjectAltNames.uris).toEqual([
      { type: 'Prefix', value: 'spiffe://localtest.me/' },
    ]);
  });

  it('renders no managed server certificate when serverCertRef is set, and matches listeners on that Secret', () => {
    const { policy, gateway } = specAccessFixture();
    policy.spec.mtls.serverCertRef = { name: 'my-server-cert' };
    gateway.spec.listeners[1].tls.certificateRefs = [
      { name: 'my-server-cert' },
    ];
    const { intent } = buildAccessIntent(policy, { caBundlePem: 'x', gateway });
    const { objects } = renderer.render(intent);
    expect(
      find(objects, 'Secret', 'ai-gateway-access-mtls-server'),
    ).toBeUndefined();
    expect(
      find(objects, 'ClientTrafficPolicy', 'ai-gateway-access').spec
        .targetRefs[0].sectionName,
    ).toBe('https');
  });

  it('renders no ClientTrafficPolicy when no HTTPS listener serves the certificate', () => {
    const { gateway } = specAccessFixture();
    gateway.spec.listeners = [gateway.spec.listeners[0]];
    const { objects } = renderSpecAccess({ gateway });
    expect(byKind(objects, 'ClientTrafficPolicy')).toEqual([]);
  });

  it('targets the whole Gateway when its listeners are unknown (offline)', () => {
    const { objects } = renderSpecAccess({ gateway: undefined });
    expect(
      find(objects, 'ClientTrafficPolicy', 'ai-gateway-access').spec.targetRefs,
    ).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'ai-gateway',
      },
    ]);
  });

  it('retains the managed server certificate Secret when no certificate was supplied', () => {
    const { policy, gateway } = specAccessFixture();
    const { intent } = buildAccessIntent(policy, { caBundlePem: 'x', gateway });
    const { objects, retain } = renderer.render(intent);
    expect(
      find(objects, 'Secret', 'ai-gateway-access-mtls-server'),
    ).toBeUndefined();
    expect(retain).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'ai-gateway-access-mtls-server',
      },
    ]);
  });

  it('fails closed: without a usable bundle the last CA Secret is retained, not pruned', () => {
    const { objects, retain } = renderSpecAccess({ caBundlePem: null });
    expect(
      find(objects, 'Secret', 'ai-gateway-access-mtls-ca'),
    ).toBeUndefined();
    expect(retain).toEqual([
      { apiVersion: 'v1', kind: 'Secret', name: 'ai-gateway-access-mtls-ca' },
    ]);
    expect(
      find(objects, 'ClientTrafficPolicy', 'ai-gateway-access'),
    ).toBeDefined();
  });
});
