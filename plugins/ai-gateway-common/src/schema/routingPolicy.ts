import * as z from 'zod';
import {
  commonStatusShape,
  dnsLabel,
  dnsSubdomain,
  targetRefSchema,
} from './common';

export const PROVIDER_SCHEMAS = [
  'OpenAI',
  'AzureOpenAI',
  'AWSBedrock',
  'GCPVertexAI',
  'GCPAnthropic',
  'Anthropic',
  'AWSAnthropic',
  'Cohere',
] as const;
export type ProviderSchema = (typeof PROVIDER_SCHEMAS)[number];

/** The Secret key Envoy AI Gateway reads for each credential type. */
export const CREDENTIAL_SECRET_KEYS = {
  APIKey: 'apiKey',
  AzureAPIKey: 'apiKey',
  AnthropicAPIKey: 'apiKey',
  AWSCredentials: 'credentials',
  AzureCredentials: 'client-secret',
  GCPCredentials: 'service_account.json',
} as const;
export type CredentialType = keyof typeof CREDENTIAL_SECRET_KEYS;
export const CREDENTIAL_TYPES = Object.keys(
  CREDENTIAL_SECRET_KEYS,
) as CredentialType[];

export const TOKEN_COUNT_MODES = [
  'InputToken',
  'OutputToken',
  'TotalToken',
] as const;
export type TokenCountMode = (typeof TOKEN_COUNT_MODES)[number];
/** How tokens are counted when a rate limit sets token limits but no `tokenCountMode`. */
export const DEFAULT_TOKEN_COUNT_MODE: TokenCountMode = 'TotalToken';

export const RETRY_TRIGGERS = [
  'connect-failure',
  'reset',
  '5xx',
  'gateway-error',
  'refused-stream',
  'retriable-4xx',
] as const;
export type RetryTrigger = (typeof RETRY_TRIGGERS)[number];

const RETRY_ON_MESSAGE = `must be an HTTP status code (100-599) or one of ${RETRY_TRIGGERS.join(
  ', ',
)}`;

const secretRefSchema = <T extends CredentialType>(type: T) => {
  const expected = CREDENTIAL_SECRET_KEYS[type];
  return z.strictObject({
    name: dnsSubdomain(),
    key: z
      .string()
      .min(1)
      .refine(key => key === expected, {
        error: `Envoy AI Gateway reads the Secret key "${expected}" for ${type} credentials: set key to "${expected}" or leave it out`,
      })
      .optional(),
    // Rendered objects live in the policy's namespace and may only read Secrets there.
    namespace: z
      .never({
        error:
          'a Secret in another namespace cannot be used: put the Secret in the policy namespace and remove secretRef.namespace',
      })
      .optional(),
  });
};

const nonEmpty = () => z.string().min(1);

export const credentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('APIKey'),
    secretRef: secretRefSchema('APIKey'),
  }),
  z.strictObject({
    type: z.literal('AzureAPIKey'),
    secretRef: secretRefSchema('AzureAPIKey'),
  }),
  z.strictObject({
    type: z.literal('AnthropicAPIKey'),
    secretRef: secretRefSchema('AnthropicAPIKey'),
  }),
  z.strictObject({
    type: z.literal('AWSCredentials'),
    region: nonEmpty(),
    // Without a Secret the pod identity chain (IRSA, EKS Pod Identity) is used.
    secretRef: secretRefSchema('AWSCredentials').optional(),
  }),
  z.strictObject({
    type: z.literal('AzureCredentials'),
    tenantId: nonEmpty(),
    clientId: nonEmpty(),
    secretRef: secretRefSchema('AzureCredentials'),
  }),
  z.strictObject({
    type: z.literal('GCPCredentials'),
    projectName: nonEmpty(),
    region: nonEmpty(),
    // Without a Secret, workload identity is used.
    secretRef: secretRefSchema('GCPCredentials').optional(),
  }),
]);

const endpointSchema = z
  .string()
  .regex(/^https?:\/\//, { error: 'must be an http or https URL' })
  .superRefine((value, ctx) => {
    if (!/^https?:\/\//.test(value)) {
      return;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
      return;
    }
    if (url.username || url.password || /^https?:\/\/[^/]*@/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not contain userinfo: credentials belong in credentials.secretRef',
      });
    }
    if (value.includes('?')) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a query' });
    }
    if (value.includes('#')) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
    }
  });

export const providerSchema = z.strictObject({
  name: dnsLabel(),
  endpoint: endpointSchema.describe(
    'http or https URL of the provider; https means TLS to the provider. A path becomes the schema prefix.',
  ),
  schema: z
    .enum(PROVIDER_SCHEMAS)
    .describe('The API schema the provider speaks.'),
  schemaVersion: nonEmpty().optional(),
  credentials: credentialsSchema
    .optional()
    .describe(
      'How the gateway authenticates to the provider; the Secret must be in the policy namespace.',
    ),
});

export const MODEL_NAME_PATTERN = /^[^\x00-\x1f\x7f]*$/; // eslint-disable-line no-control-regex

export const modelBackendSchema = z.strictObject({
  provider: dnsLabel(),
  // Sent to the provider as the model of the request: a control character would corrupt it.
  model: nonEmpty().regex(MODEL_NAME_PATTERN, {
    error: 'must not contain control characters',
  }),
  priority: z
    .int()
    .min(0)
    .default(0)
    .describe(
      '0 is the primary backend; higher numbers are fallbacks, tried in order.',
    ),
  weight: z
    .int()
    .min(1)
    .default(1)
    .describe('Traffic share among backends of the same priority.'),
});

const positiveInt = () => z.int().min(1);
const TOKEN_LIMITS = ['tokensPerHour', 'tokensPerDay', 'tokensPerMonth'];

export const rateLimitSchema = z
  .strictObject({
    tokensPerHour: positiveInt().optional(),
    tokensPerDay: positiveInt().optional(),
    tokensPerMonth: positiveInt().optional(),
    requestsPerMinute: positiveInt().optional(),
    // No schema default: absent means TotalToken when a token limit is set (a default written
    // by the API server would otherwise make token-less limits invalid).
    tokenCountMode: z.enum(TOKEN_COUNT_MODES).optional(),
  })
  .superRefine(
    (value, ctx) => {
      if (!value || typeof value !== 'object') {
        return;
      }
      const hasTokenLimit = TOKEN_LIMITS.some(
        key => (value as Record<string, unknown>)[key] !== undefined,
      );
      const hasAnyLimit =
        hasTokenLimit ||
        (value as Record<string, unknown>).requestsPerMinute !== undefined;
      if (!hasAnyLimit) {
        ctx.addIssue({
          code: 'custom',
          message:
            'set at least one of tokensPerHour, tokensPerDay, tokensPerMonth or requestsPerMinute',
        });
      } else if (!hasTokenLimit && value.tokenCountMode !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['tokenCountMode'],
          message:
            'counts tokens, but no token limit is set: add tokensPerHour, tokensPerDay or tokensPerMonth, or remove tokenCountMode',
        });
      }
    },
    { when: () => true },
  )
  // The same two rules for the API server, as structural value validations.
  .meta({
    allOf: [
      {
        anyOf: [...TOKEN_LIMITS, 'requestsPerMinute'].map(key => ({
          required: [key],
        })),
      },
      {
        anyOf: [
          { not: { required: ['tokenCountMode'] } },
          ...TOKEN_LIMITS.map(key => ({ required: [key] })),
        ],
      },
    ],
  });

export const retryOnSchema = z
  .union([z.int().min(100).max(599), z.enum(RETRY_TRIGGERS)], {
    error: RETRY_ON_MESSAGE,
  })
  .meta({
    'x-kubernetes-int-or-string': true,
    // Bounds the cost of the CEL rule below; the longest trigger has 15 characters.
    maxLength: 32,
    'x-kubernetes-validations': [
      {
        rule: `type(self) == int ? (self >= 100 && self <= 599) : self in [${RETRY_TRIGGERS.map(
          t => `'${t}'`,
        ).join(', ')}]`,
        message: RETRY_ON_MESSAGE,
      },
    ],
  });

export const failoverSchema = z.strictObject({
  retryOn: z.array(retryOnSchema).min(1).max(16),
  maxRetries: z
    .int()
    .min(0)
    .max(10)
    .default(1)
    .describe('Retries per request.'),
});

export const modelRouteSchema = z.strictObject({
  name: z.string().min(1).max(253).regex(MODEL_NAME_PATTERN, {
    error: 'must not contain control characters',
  }),
  backends: z
    .array(modelBackendSchema)
    .min(1)
    .describe(
      'Provider models serving this model name, with priority (fallback) and weight.',
    ),
  rateLimit: rateLimitSchema
    .optional()
    .describe('Global limits per model, shared by all gateway replicas.'),
  failover: failoverSchema
    .optional()
    .describe(
      'Retries across the backends of this model (never across models).',
    ),
});

const listMapByName = {
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
};

type Issue = { path: PropertyKey[]; message: string };

/** Cross-field rules, checked on whatever parts of the input have the right shape. */
function routingSemanticIssues(spec: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!spec || typeof spec !== 'object') {
    return issues;
  }
  const { providers, models } = spec as Record<string, unknown>;
  const providerNames: string[] = [];
  if (Array.isArray(providers)) {
    const seen = new Map<string, number>();
    providers.forEach((provider, i) => {
      const name = (provider as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') {
        return;
      }
      const first = seen.get(name);
      if (first !== undefined) {
        issues.push({
          path: ['providers', i, 'name'],
          message: `duplicate provider name "${name}" (also providers[${first}])`,
        });
      } else {
        seen.set(name, i);
        providerNames.push(name);
      }
    });
  }
  if (Array.isArray(models)) {
    const seen = new Map<string, number>();
    models.forEach((model, i) => {
      const { name, backends } = (model ?? {}) as Record<string, unknown>;
      if (typeof name === 'string') {
        const first = seen.get(name);
        if (first !== undefined) {
          issues.push({
            path: ['models', i, 'name'],
            message: `duplicate model name "${name}" (also models[${first}])`,
          });
        } else {
          seen.set(name, i);
        }
      }
      // Without any provider the empty list is the problem to report, not every reference.
      if (!Array.isArray(backends) || providerNames.length === 0) {
        return;
      }
      backends.forEach((backend, j) => {
        const provider = (backend as { provider?: unknown } | null)?.provider;
        if (
          typeof provider === 'string' &&
          provider &&
          !providerNames.includes(provider)
        ) {
          issues.push({
            path: ['models', i, 'backends', j, 'provider'],
            message: `no provider named "${provider}" (have: ${providerNames.join(
              ', ',
            )})`,
          });
        }
      });
    });
  }
  return issues;
}

export const routingPolicySpecSchema = z
  .strictObject({
    targetRef: targetRefSchema.describe(
      'The Gateway, in the policy namespace.',
    ),
    providers: z
      .array(providerSchema)
      .min(1)
      .meta({
        ...listMapByName,
        description: 'LLM providers the Gateway routes to.',
      }),
    models: z
      .array(modelRouteSchema)
      .min(1)
      .meta({
        ...listMapByName,
        description:
          'Models exposed under virtual names (the `model` clients send).',
      }),
  })
  .superRefine(
    (spec, ctx) => {
      for (const issue of routingSemanticIssues(spec)) {
        ctx.addIssue({ code: 'custom', ...issue });
      }
    },
    { when: () => true },
  );

const readinessSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  message: z.string().optional(),
});

export const routingPolicyStatusSchema = z.object({
  ...commonStatusShape,
  providers: z.array(readinessSchema).optional(),
  models: z.array(readinessSchema).optional(),
});

export type AIRoutingPolicySpec = z.output<typeof routingPolicySpecSchema>;
/** The spec as written (defaults not yet applied). */
export type AIRoutingPolicySpecInput = z.input<typeof routingPolicySpecSchema>;
export type Provider = z.output<typeof providerSchema>;
export type Credentials = z.output<typeof credentialsSchema>;
export type ModelRoute = z.output<typeof modelRouteSchema>;
export type ModelBackend = z.output<typeof modelBackendSchema>;
export type RateLimit = z.output<typeof rateLimitSchema>;
export type Failover = z.output<typeof failoverSchema>;
export type RetryOn = z.output<typeof retryOnSchema>;
export type RoutingPolicyStatus = z.output<typeof routingPolicyStatusSchema>;
export type ProviderReadiness = z.output<typeof readinessSchema>;
