/*
 * fast-check generators of valid policy specs, in the form people write them (optional fields
 * with defaults sometimes left out).
 */
import fc from 'fast-check';
import {
  CREDENTIAL_SECRET_KEYS,
  PROVIDER_SCHEMAS,
  RETRY_TRIGGERS,
  TOKEN_COUNT_MODES,
} from '../schema/routingPolicy';

const optional = <T>(arb: fc.Arbitrary<T>) =>
  fc.option(arb, { nil: undefined });

/** Drops keys whose value is undefined, as YAML would never have them. */
function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(
    Object.entries(obj).filter(([, v]) => v !== undefined),
  ) as T;
}

export const dnsLabelArb = fc.stringMatching(
  /^[a-z0-9]([-a-z0-9]{0,12}[a-z0-9])?$/,
);
export const dnsSubdomainArb = fc
  .array(dnsLabelArb, { minLength: 1, maxLength: 3 })
  .map(labels => labels.join('.'));

// A last label that is all digits would make the URL parser read the host as an IPv4 address.
const hostArb = fc.oneof(
  fc
    .tuple(dnsSubdomainArb, fc.constantFrom('svc', 'com', 'io', 'internal'))
    .map(([name, tld]) => `${name}.${tld}`),
  fc.ipV4(),
  fc.constantFrom('api.openai.com', 'ollama.team1.svc'),
);

export const endpointArb = fc
  .tuple(
    fc.constantFrom('http', 'https'),
    hostArb,
    optional(fc.integer({ min: 1, max: 65535 })),
    optional(fc.constantFrom('/v1', '/openai', '/api/v2')),
  )
  .map(
    ([scheme, host, port, path]) =>
      `${scheme}://${host}${port ? `:${port}` : ''}${path ?? ''}`,
  );

const freeTextArb = fc.string({ minLength: 1, maxLength: 16 });

const secretRefArb = (type: keyof typeof CREDENTIAL_SECRET_KEYS) =>
  fc
    .record({
      name: dnsSubdomainArb,
      key: optional(fc.constant(CREDENTIAL_SECRET_KEYS[type])),
    })
    .map(compact);

export const credentialsArb = fc.oneof(
  ...(['APIKey', 'AzureAPIKey', 'AnthropicAPIKey'] as const).map(type =>
    fc.record({ type: fc.constant(type), secretRef: secretRefArb(type) }),
  ),
  fc
    .record({
      type: fc.constant('AWSCredentials' as const),
      region: freeTextArb,
      secretRef: optional(secretRefArb('AWSCredentials')),
    })
    .map(compact),
  fc.record({
    type: fc.constant('AzureCredentials' as const),
    tenantId: freeTextArb,
    clientId: freeTextArb,
    secretRef: secretRefArb('AzureCredentials'),
  }),
  fc
    .record({
      type: fc.constant('GCPCredentials' as const),
      projectName: freeTextArb,
      region: freeTextArb,
      secretRef: optional(secretRefArb('GCPCredentials')),
    })
    .map(compact),
);

const providerArb = fc
  .record({
    name: dnsLabelArb,
    endpoint: endpointArb,
    schema: fc.constantFrom(...PROVIDER_SCHEMAS),
    schemaVersion: optional(freeTextArb),
    credentials: optional(credentialsArb),
  })
  .map(compact);

const rateLimitArb = fc
  .record({
    tokensPerHour: optional(fc.integer({ min: 1, max: 10_000_000 })),
    tokensPerDay: optional(fc.integer({ min: 1, max: 10_000_000 })),
    tokensPerMonth: optional(fc.integer({ min: 1, max: 10_000_000 })),
    requestsPerMinute: optional(fc.integer({ min: 1, max: 10_000 })),
    tokenCountMode: optional(fc.constantFrom(...TOKEN_COUNT_MODES)),
  })
  .map(limits => {
    const hasTokenLimit =
      limits.tokensPerHour !== undefined ||
      limits.tokensPerDay !== undefined ||
      limits.tokensPerMonth !== undefined;
    const fixed = { ...limits };
    if (!hasTokenLimit) {
      delete fixed.tokenCountMode;
      if (limits.requestsPerMinute === undefined) {
        fixed.requestsPerMinute = 60;
      }
    }
    return compact(fixed);
  });

const failoverArb = fc
  .record({
    retryOn: fc.uniqueArray(
      fc.oneof(
        fc.integer({ min: 100, max: 599 }),
        fc.constantFrom(...RETRY_TRIGGERS),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    maxRetries: optional(fc.integer({ min: 0, max: 10 })),
  })
  .map(compact);

const modelArb = (providerNames: string[]) =>
  fc
    .record({
      name: fc.string({ minLength: 1, maxLength: 24 }),
      backends: fc.array(
        fc
          .record({
            provider: fc.constantFrom(...providerNames),
            model: freeTextArb,
            priority: optional(fc.integer({ min: 0, max: 5 })),
            weight: optional(fc.integer({ min: 1, max: 100 })),
          })
          .map(compact),
        { minLength: 1, maxLength: 3 },
      ),
      rateLimit: optional(rateLimitArb),
      failover: optional(failoverArb),
    })
    .map(compact);

const targetRefArb = fc
  .record({
    group: optional(fc.constant('gateway.networking.k8s.io')),
    kind: optional(fc.constant('Gateway')),
    name: dnsSubdomainArb,
  })
  .map(compact);

export const routingPolicySpecArb = fc
  .uniqueArray(providerArb, {
    minLength: 1,
    maxLength: 4,
    selector: provider => provider.name,
  })
  .chain(providers =>
    fc.record({
      targetRef: targetRefArb,
      providers: fc.constant(providers),
      models: fc.uniqueArray(modelArb(providers.map(p => p.name)), {
        minLength: 1,
        maxLength: 4,
        selector: model => model.name,
      }),
    }),
  );

const pathSegmentArb = fc
  .stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,8}$/)
  .filter(s => s !== '.' && s !== '..');

export const trustDomainArb = fc.stringMatching(/^[a-z0-9._-]{1,20}$/);

const allowedSubjectArb = (trustDomain: string) =>
  fc.array(pathSegmentArb, { minLength: 1, maxLength: 4 }).chain(segments => {
    const id = `spiffe://${trustDomain}/${segments.join('/')}`;
    return fc.oneof(
      fc.constant({ spiffeId: id }),
      fc.constant({ spiffeIdPrefix: id }),
      fc.constant({ spiffeIdPrefix: `${id}/` }),
    );
  });

export const accessPolicySpecArb = trustDomainArb.chain(trustDomain =>
  fc.record({
    targetRef: targetRefArb,
    mtls: fc
      .record({
        trustDomain: fc.constant(trustDomain),
        trustBundleConfigMap: fc
          .record({
            name: dnsSubdomainArb,
            namespace: optional(dnsLabelArb),
            key: optional(
              fc.constantFrom('bundle.spiffe', 'bundle.crt', 'ca_bundle.pem'),
            ),
          })
          .map(compact),
        serverCertRef: optional(fc.record({ name: dnsSubdomainArb })),
        allowedSubjects: optional(
          fc.array(allowedSubjectArb(trustDomain), {
            minLength: 1,
            maxLength: 3,
          }),
        ),
      })
      .map(compact),
  }),
);
