import { upstreamProblems } from './upstreamValidation';

const meta = { name: 'x', namespace: 'team1' };

describe('upstreamProblems (the check every rendered object goes through)', () => {
  it('accepts a valid object', () => {
    expect(
      upstreamProblems({
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'Backend',
        metadata: meta,
        spec: {
          endpoints: [{ fqdn: { hostname: 'api.openai.com', port: 443 } }],
        },
      }),
    ).toEqual([]);
  });

  it('reports unknown fields, bad enums, missing required fields and broken bounds from the CRD schema', () => {
    const problems = upstreamProblems({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: meta,
      spec: {
        targetRefs: [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' },
        ],
        retry: { numRetries: -1, retryOn: { triggers: ['sometimes'] } },
        rateLimit: { global: { rules: [{ limit: { unit: 'Hour' } }] } },
        bogus: true,
      },
    }).join('\n');
    expect(problems).toMatch(/numRetries/);
    expect(problems).toMatch(/sometimes/);
    expect(problems).toMatch(/requests/);
    expect(problems).toMatch(/bogus/);
  });

  it('checks the CEL rules that matter: 15 rules per route, backendRef kind, one credential sub-object', () => {
    const rule = (i: number) => ({
      name: `r${i}`,
      backendRefs: [{ name: 'b' }],
    });
    expect(
      upstreamProblems({
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'AIGatewayRoute',
        metadata: meta,
        spec: { rules: Array.from({ length: 16 }, (_, i) => rule(i)) },
      }).join('\n'),
    ).toMatch(/at most 15/);
    expect(
      upstreamProblems({
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'AIServiceBackend',
        metadata: meta,
        spec: {
          schema: { name: 'OpenAI' },
          backendRef: { name: 'b', kind: 'Service', port: 80 },
        },
      }).join('\n'),
    ).toMatch(/Backend resource of Envoy Gateway/);
    expect(
      upstreamProblems({
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'BackendSecurityPolicy',
        metadata: meta,
        spec: {
          type: 'APIKey',
          targetRefs: [
            {
              group: 'aigateway.envoyproxy.io',
              kind: 'AIServiceBackend',
              name: 'b',
            },
          ],
          apiKey: { secretRef: { name: 's' } },
          azureAPIKey: { secretRef: { name: 's' } },
        },
      }).join('\n'),
    ).toMatch(/only apiKey/);
  });

  it('reports names that are not DNS labels', () => {
    expect(
      upstreamProblems({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'Not_A_Label', namespace: 'team1' },
        data: { 'ca.crt': 'not base64!' },
      }),
    ).toHaveLength(2);
  });
});
