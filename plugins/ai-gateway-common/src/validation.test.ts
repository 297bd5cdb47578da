import { parse } from 'yaml';
import {
  specAccessPolicyYaml,
  specRoutingPolicyYaml,
} from './__testUtils__/specExamples';
import {
  formatProblem,
  formatProblems,
  validateAccessPolicySpec,
  validatePolicyResource,
  validateRoutingPolicySpec,
} from './validation';

const DNS_LABEL =
  'must be a DNS label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
const DNS_SUBDOMAIN =
  'must be a DNS subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit)';
const SCHEMAS =
  'OpenAI, AzureOpenAI, AWSBedrock, GCPVertexAI, GCPAnthropic, Anthropic, AWSAnthropic, Cohere';
const CREDENTIAL_TYPES =
  'APIKey, AzureAPIKey, AnthropicAPIKey, AWSCredentials, AzureCredentials, GCPCredentials';
const RETRY_ON =
  'must be an HTTP status code (100-599) or one of connect-failure, reset, 5xx, gateway-error, refused-stream, retriable-4xx';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Spec = any;

const routingSpec = (): Spec => parse(specRoutingPolicyYaml).spec;
const accessSpec = (): Spec => parse(specAccessPolicyYaml).spec;

function problemsOf(
  result:
    | ReturnType<typeof validateRoutingPolicySpec>
    | ReturnType<typeof validateAccessPolicySpec>,
) {
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('the SPEC section 2 examples', () => {
  it('accepts the AIRoutingPolicy as a resource and as a spec', () => {
    const resource = validatePolicyResource(parse(specRoutingPolicyYaml));
    expect(problemsOf(resource as any)).toEqual([]);
    expect(validateRoutingPolicySpec(routingSpec()).ok).toBe(true);
  });

  it('accepts the AIAccessPolicy as a resource and as a spec', () => {
    const resource = validatePolicyResource(parse(specAccessPolicyYaml));
    expect(problemsOf(resource as any)).toEqual([]);
    expect(validateAccessPolicySpec(accessSpec()).ok).toBe(true);
  });

  it('applies the defaults of the schema', () => {
    const result = validateRoutingPolicySpec(routingSpec());
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const qwen = result.value.models[1];
    expect(qwen.backends[0]).toEqual({
      provider: 'ollama',
      model: 'qwen2.5:3b',
      priority: 0,
      weight: 1,
    });
    // tokenCountMode has no schema default: it may only be set with a token limit.
    expect(qwen.rateLimit).toEqual({ requestsPerMinute: 60 });
    const access = validateAccessPolicySpec({
      targetRef: { name: 'gw' },
      mtls: { trustDomain: 'td', trustBundleConfigMap: { name: 'b' } },
    });
    expect(access).toEqual({
      ok: true,
      value: {
        targetRef: {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'gw',
        },
        mtls: {
          trustDomain: 'td',
          trustBundleConfigMap: { name: 'b', key: 'bundle.spiffe' },
        },
      },
    });
  });
});

describe('formatProblem', () => {
  it('prefixes the message with the path', () => {
    expect(
      formatProblem({
        path: 'spec.models[3].backends[0].provider',
        message: 'no provider named "azur" (have: openai, azure)',
      }),
    ).toBe(
      'spec.models[3].backends[0].provider: no provider named "azur" (have: openai, azure)',
    );
    expect(formatProblem({ path: '', message: 'must be an object' })).toBe(
      'must be an object',
    );
  });
});

type Case = [string, (spec: Spec) => void, string[]];

const routingCases: Case[] = [
  ['missing targetRef', s => delete s.targetRef, ['spec.targetRef: required']],
  [
    'targetRef to a Service',
    s => (s.targetRef.kind = 'Service'),
    ['spec.targetRef.kind: must be "Gateway" (got "Service")'],
  ],
  [
    'targetRef group',
    s => (s.targetRef.group = 'networking.k8s.io'),
    [
      'spec.targetRef.group: must be "gateway.networking.k8s.io" (got "networking.k8s.io")',
    ],
  ],
  [
    'targetRef name not a DNS subdomain',
    s => (s.targetRef.name = 'AI_Gateway'),
    [`spec.targetRef.name: ${DNS_SUBDOMAIN}`],
  ],
  [
    'targetRef to another namespace',
    s => (s.targetRef.namespace = 'other'),
    ['spec.targetRef.namespace: unknown field'],
  ],
  [
    'no providers',
    s => (s.providers = []),
    ['spec.providers: must have at least 1 item'],
  ],
  [
    'providers not a list',
    s => (s.providers = 'openai'),
    ['spec.providers: must be a list, not a string'],
  ],
  [
    'provider name in capitals',
    s => (s.providers[2].name = 'Bedrock'),
    [`spec.providers[2].name: ${DNS_LABEL}`],
  ],
  [
    'provider name starting with "-"',
    s => (s.providers[2].name = '-bedrock'),
    [`spec.providers[2].name: ${DNS_LABEL}`],
  ],
  [
    'provider name longer than 63',
    s => (s.providers[2].name = 'a'.repeat(64)),
    ['spec.providers[2].name: must be at most 63 characters'],
  ],
  [
    'duplicate provider name',
    s => (s.providers[2].name = 'openai'),
    [
      'spec.providers[2].name: duplicate provider name "openai" (also providers[0])',
    ],
  ],
  [
    'renamed provider still referenced',
    s => (s.providers[0].name = 'open-ai'),
    [
      'spec.models[0].backends[0].provider: no provider named "openai" (have: open-ai, azure, bedrock, ollama)',
    ],
  ],
  [
    'missing endpoint',
    s => delete s.providers[0].endpoint,
    ['spec.providers[0].endpoint: required'],
  ],
  [
    'ftp endpoint',
    s => (s.providers[0].endpoint = 'ftp://files.example.com'),
    ['spec.providers[0].endpoint: must be an http or https URL'],
  ],
  [
    'endpoint without scheme',
    s => (s.providers[0].endpoint = 'api.openai.com'),
    ['spec.providers[0].endpoint: must be an http or https URL'],
  ],
  [
    'endpoint with userinfo',
    s => (s.providers[0].endpoint = 'https://user:pw@api.openai.com'),
    [
      'spec.providers[0].endpoint: must not contain userinfo: credentials belong in credentials.secretRef',
    ],
  ],
  [
    'endpoint with a query',
    s => (s.providers[0].endpoint = 'https://api.openai.com/v1?key=1'),
    ['spec.providers[0].endpoint: must not contain a query'],
  ],
  [
    'endpoint with a fragment',
    s => (s.providers[0].endpoint = 'https://api.openai.com/#x'),
    ['spec.providers[0].endpoint: must not contain a fragment'],
  ],
  [
    'endpoint without host',
    s => (s.providers[0].endpoint = 'https://'),
    ['spec.providers[0].endpoint: is not a valid URL'],
  ],
  [
    'endpoint with a bad port',
    s => (s.providers[0].endpoint = 'https://api.openai.com:99999'),
    ['spec.providers[0].endpoint: is not a valid URL'],
  ],
  [
    'unknown schema',
    s => (s.providers[0].schema = 'OpenAi'),
    [`spec.providers[0].schema: must be one of ${SCHEMAS} (got "OpenAi")`],
  ],
  [
    'missing schema',
    s => delete s.providers[0].schema,
    ['spec.providers[0].schema: required'],
  ],
  [
    'empty schemaVersion',
    s => (s.providers[1].schemaVersion = ''),
    ['spec.providers[1].schemaVersion: must not be empty'],
  ],
  [
    'unknown credential type',
    s => (s.providers[0].credentials.type = 'Token'),
    [
      `spec.providers[0].credentials.type: must be one of ${CREDENTIAL_TYPES} (got "Token")`,
    ],
  ],
  [
    'credential type missing',
    s => delete s.providers[0].credentials.type,
    [
      `spec.providers[0].credentials.type: required (one of ${CREDENTIAL_TYPES})`,
    ],
  ],
  [
    'APIKey without secretRef',
    s => delete s.providers[0].credentials.secretRef,
    ['spec.providers[0].credentials.secretRef: required'],
  ],
  [
    'AzureCredentials without secretRef',
    s => delete s.providers[1].credentials.secretRef,
    ['spec.providers[1].credentials.secretRef: required'],
  ],
  [
    'APIKey with the wrong Secret key',
    s => (s.providers[0].credentials.secretRef.key = 'api-key'),
    [
      'spec.providers[0].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "apiKey" for APIKey credentials: set key to "apiKey" or leave it out',
    ],
  ],
  [
    'AnthropicAPIKey with the wrong Secret key',
    s =>
      (s.providers[0].credentials = {
        type: 'AnthropicAPIKey',
        secretRef: { name: 'a', key: 'token' },
      }),
    [
      'spec.providers[0].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "apiKey" for AnthropicAPIKey credentials: set key to "apiKey" or leave it out',
    ],
  ],
  [
    'AWSCredentials with the wrong Secret key',
    s => (s.providers[2].credentials.secretRef.key = 'aws_access_key_id'),
    [
      'spec.providers[2].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "credentials" for AWSCredentials credentials: set key to "credentials" or leave it out',
    ],
  ],
  [
    'AzureCredentials with the wrong Secret key',
    s => (s.providers[1].credentials.secretRef.key = 'apiKey'),
    [
      'spec.providers[1].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "client-secret" for AzureCredentials credentials: set key to "client-secret" or leave it out',
    ],
  ],
  [
    'GCPCredentials with the wrong Secret key',
    s =>
      (s.providers[2].credentials = {
        type: 'GCPCredentials',
        projectName: 'p',
        region: 'r',
        secretRef: { name: 'g', key: 'key.json' },
      }),
    [
      'spec.providers[2].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "service_account.json" for GCPCredentials credentials: set key to "service_account.json" or leave it out',
    ],
  ],
  [
    'AzureCredentials without tenantId',
    s => delete s.providers[1].credentials.tenantId,
    ['spec.providers[1].credentials.tenantId: required'],
  ],
  [
    'AWSCredentials without region',
    s => delete s.providers[2].credentials.region,
    ['spec.providers[2].credentials.region: required'],
  ],
  [
    'GCPCredentials without project and region',
    s => (s.providers[2].credentials = { type: 'GCPCredentials' }),
    [
      'spec.providers[2].credentials.projectName: required',
      'spec.providers[2].credentials.region: required',
    ],
  ],
  [
    'Secret in another namespace',
    s => (s.providers[0].credentials.secretRef.namespace = 'team2'),
    [
      'spec.providers[0].credentials.secretRef.namespace: a Secret in another namespace cannot be used: put the Secret in the policy namespace and remove secretRef.namespace',
    ],
  ],
  [
    'field of another credential type',
    s => (s.providers[0].credentials.region = 'us-east-1'),
    ['spec.providers[0].credentials.region: unknown field'],
  ],
  [
    'Secret name not a DNS subdomain',
    s => (s.providers[0].credentials.secretRef.name = 'OpenAI Secret'),
    [`spec.providers[0].credentials.secretRef.name: ${DNS_SUBDOMAIN}`],
  ],
  [
    'API key inline in the provider',
    s => (s.providers[0].apiKey = 'sk-123'),
    ['spec.providers[0].apiKey: unknown field'],
  ],
  [
    'no models',
    s => (s.models = []),
    ['spec.models: must have at least 1 item'],
  ],
  [
    'empty model name',
    s => (s.models[0].name = ''),
    ['spec.models[0].name: must not be empty'],
  ],
  [
    'model name with a newline',
    s => (s.models[0].name = 'gpt\n4o'),
    ['spec.models[0].name: must not contain control characters'],
  ],
  [
    'backend model with a carriage return and newline (reliability campaign)',
    s => (s.models[0].backends[0].model = 'gpt\r\n4o'),
    ['spec.models[0].backends[0].model: must not contain control characters'],
  ],
  [
    'model name longer than 253',
    s => (s.models[0].name = 'm'.repeat(254)),
    ['spec.models[0].name: must be at most 253 characters'],
  ],
  [
    'duplicate model name',
    s => (s.models[1].name = 'gpt-4o'),
    ['spec.models[1].name: duplicate model name "gpt-4o" (also models[0])'],
  ],
  [
    'model without backends',
    s => (s.models[0].backends = []),
    ['spec.models[0].backends: must have at least 1 item'],
  ],
  [
    'backend naming a missing provider',
    s => (s.models[0].backends[1].provider = 'azur'),
    [
      'spec.models[0].backends[1].provider: no provider named "azur" (have: openai, azure, bedrock, ollama)',
    ],
  ],
  [
    'backend provider not a DNS label',
    s => (s.models[1].backends[0].provider = 'Ollama'),
    [
      `spec.models[1].backends[0].provider: ${DNS_LABEL}`,
      'spec.models[1].backends[0].provider: no provider named "Ollama" (have: openai, azure, bedrock, ollama)',
    ],
  ],
  [
    'backend without model',
    s => delete s.models[0].backends[0].model,
    ['spec.models[0].backends[0].model: required'],
  ],
  [
    'backend with empty model',
    s => (s.models[0].backends[0].model = ''),
    ['spec.models[0].backends[0].model: must not be empty'],
  ],
  [
    'negative priority',
    s => (s.models[0].backends[1].priority = -1),
    ['spec.models[0].backends[1].priority: must be at least 0 (got -1)'],
  ],
  [
    'fractional priority',
    s => (s.models[0].backends[1].priority = 1.5),
    ['spec.models[0].backends[1].priority: must be an integer, not 1.5'],
  ],
  [
    'priority as a string',
    s => (s.models[0].backends[1].priority = '1'),
    ['spec.models[0].backends[1].priority: must be an integer, not a string'],
  ],
  [
    'zero weight',
    s => (s.models[0].backends[0].weight = 0),
    ['spec.models[0].backends[0].weight: must be at least 1 (got 0)'],
  ],
  [
    'rate limit without limits',
    s => (s.models[1].rateLimit = {}),
    [
      'spec.models[1].rateLimit: set at least one of tokensPerHour, tokensPerDay, tokensPerMonth or requestsPerMinute',
    ],
  ],
  [
    'zero tokensPerHour',
    s => (s.models[0].rateLimit.tokensPerHour = 0),
    ['spec.models[0].rateLimit.tokensPerHour: must be at least 1 (got 0)'],
  ],
  [
    'negative tokensPerDay',
    s => (s.models[0].rateLimit.tokensPerDay = -5),
    ['spec.models[0].rateLimit.tokensPerDay: must be at least 1 (got -5)'],
  ],
  [
    'tokensPerMonth as words',
    s => (s.models[0].rateLimit.tokensPerMonth = 'lots'),
    [
      'spec.models[0].rateLimit.tokensPerMonth: must be an integer, not a string',
    ],
  ],
  [
    'zero requestsPerMinute',
    s => (s.models[1].rateLimit.requestsPerMinute = 0),
    ['spec.models[1].rateLimit.requestsPerMinute: must be at least 1 (got 0)'],
  ],
  [
    'unknown tokenCountMode',
    s => (s.models[0].rateLimit.tokenCountMode = 'Tokens'),
    [
      'spec.models[0].rateLimit.tokenCountMode: must be one of InputToken, OutputToken, TotalToken (got "Tokens")',
    ],
  ],
  [
    'tokenCountMode without a token limit',
    s => (s.models[1].rateLimit.tokenCountMode = 'InputToken'),
    [
      'spec.models[1].rateLimit.tokenCountMode: counts tokens, but no token limit is set: add tokensPerHour, tokensPerDay or tokensPerMonth, or remove tokenCountMode',
    ],
  ],
  [
    'unknown rate limit window',
    s => (s.models[0].rateLimit.tokensPerWeek = 10),
    ['spec.models[0].rateLimit.tokensPerWeek: unknown field'],
  ],
  [
    'unknown retry trigger',
    s => s.models[0].failover.retryOn.push('timeout'),
    [`spec.models[0].failover.retryOn[4]: ${RETRY_ON}`],
  ],
  [
    'status code above 599',
    s => (s.models[0].failover.retryOn[0] = 600),
    ['spec.models[0].failover.retryOn[0]: must be at most 599 (got 600)'],
  ],
  [
    'status code below 100',
    s => (s.models[0].failover.retryOn[0] = 99),
    ['spec.models[0].failover.retryOn[0]: must be at least 100 (got 99)'],
  ],
  [
    'retryOn empty',
    s => (s.models[0].failover.retryOn = []),
    ['spec.models[0].failover.retryOn: must have at least 1 item'],
  ],
  [
    'failover without retryOn',
    s => delete s.models[0].failover.retryOn,
    ['spec.models[0].failover.retryOn: required'],
  ],
  [
    'maxRetries above 10',
    s => (s.models[0].failover.maxRetries = 11),
    ['spec.models[0].failover.maxRetries: must be at most 10 (got 11)'],
  ],
  [
    'negative maxRetries',
    s => (s.models[0].failover.maxRetries = -1),
    ['spec.models[0].failover.maxRetries: must be at least 0 (got -1)'],
  ],
  [
    'unknown spec field',
    s => (s.gateway = 'ai-gateway'),
    ['spec.gateway: unknown field'],
  ],
];

const accessCases: Case[] = [
  ['missing targetRef', s => delete s.targetRef, ['spec.targetRef: required']],
  ['missing mtls', s => delete s.mtls, ['spec.mtls: required']],
  [
    'missing trust domain',
    s => delete s.mtls.trustDomain,
    ['spec.mtls.trustDomain: required'],
  ],
  [
    'trust domain in capitals',
    s => (s.mtls.trustDomain = 'LocalTest.me'),
    [
      'spec.mtls.trustDomain: must be a SPIFFE trust domain (lowercase letters, digits, ".", "-" and "_")',
      'spec.mtls.allowedSubjects[0].spiffeIdPrefix: is in trust domain "localtest.me", not in the policy\'s trust domain "LocalTest.me"',
      'spec.mtls.allowedSubjects[1].spiffeId: is in trust domain "localtest.me", not in the policy\'s trust domain "LocalTest.me"',
    ],
  ],
  [
    'missing trust bundle',
    s => delete s.mtls.trustBundleConfigMap,
    ['spec.mtls.trustBundleConfigMap: required'],
  ],
  [
    'bundle ConfigMap name',
    s => (s.mtls.trustBundleConfigMap.name = 'Spire Bundle'),
    [`spec.mtls.trustBundleConfigMap.name: ${DNS_SUBDOMAIN}`],
  ],
  [
    'bundle ConfigMap namespace',
    s => (s.mtls.trustBundleConfigMap.namespace = 'spire.system'),
    [`spec.mtls.trustBundleConfigMap.namespace: ${DNS_LABEL}`],
  ],
  [
    'bundle key with a space',
    s => (s.mtls.trustBundleConfigMap.key = 'bundle spiffe'),
    [
      'spec.mtls.trustBundleConfigMap.key: must be a ConfigMap key (letters, digits, "-", "_" and ".")',
    ],
  ],
  [
    'server certificate without name',
    s => (s.mtls.serverCertRef = {}),
    ['spec.mtls.serverCertRef.name: required'],
  ],
  [
    'empty allowedSubjects',
    s => (s.mtls.allowedSubjects = []),
    ['spec.mtls.allowedSubjects: must have at least 1 item'],
  ],
  [
    'subject with both forms',
    s =>
      (s.mtls.allowedSubjects[1].spiffeIdPrefix =
        'spiffe://localtest.me/ns/team2/'),
    [
      'spec.mtls.allowedSubjects[1]: set exactly one of spiffeId and spiffeIdPrefix',
    ],
  ],
  [
    'empty subject',
    s => (s.mtls.allowedSubjects[0] = {}),
    [
      'spec.mtls.allowedSubjects[0]: set exactly one of spiffeId and spiffeIdPrefix',
    ],
  ],
  [
    'subject with a misspelled field',
    s => (s.mtls.allowedSubjects[0] = { spiffeID: 'spiffe://localtest.me/a' }),
    [
      'spec.mtls.allowedSubjects[0].spiffeID: unknown field',
      'spec.mtls.allowedSubjects[0]: set exactly one of spiffeId and spiffeIdPrefix',
    ],
  ],
  [
    'https subject',
    s => (s.mtls.allowedSubjects[1].spiffeId = 'https://localtest.me/ns/team2'),
    [
      'spec.mtls.allowedSubjects[1].spiffeId: is not a valid SPIFFE ID: must start with "spiffe://"',
    ],
  ],
  [
    'subject with a port',
    s =>
      (s.mtls.allowedSubjects[1].spiffeId =
        'spiffe://localtest.me:8443/ns/team2'),
    [
      'spec.mtls.allowedSubjects[1].spiffeId: is not a valid SPIFFE ID: must not contain a port',
    ],
  ],
  [
    'subject with a trailing slash',
    s =>
      (s.mtls.allowedSubjects[1].spiffeId = 'spiffe://localtest.me/ns/team2/'),
    [
      'spec.mtls.allowedSubjects[1].spiffeId: is not a valid SPIFFE ID: path must not end with "/"',
    ],
  ],
  [
    'prefix with an empty segment',
    s =>
      (s.mtls.allowedSubjects[0].spiffeIdPrefix =
        'spiffe://localtest.me/ns//team1/'),
    [
      'spec.mtls.allowedSubjects[0].spiffeIdPrefix: is not a valid SPIFFE ID: path segments must not be empty',
    ],
  ],
  [
    'subject outside the trust domain',
    s =>
      (s.mtls.allowedSubjects[1].spiffeId =
        'spiffe://example.org/ns/team2/sa/weather-agent'),
    [
      'spec.mtls.allowedSubjects[1].spiffeId: is in trust domain "example.org", not in the policy\'s trust domain "localtest.me"',
    ],
  ],
  [
    'unknown mtls field',
    s => (s.mtls.mode = 'Optional'),
    ['spec.mtls.mode: unknown field'],
  ],
];

describe('validateRoutingPolicySpec rejects', () => {
  it.each(routingCases)('%s', (_name, mutate, expected) => {
    const spec = routingSpec();
    mutate(spec);
    expect(problemsOf(validateRoutingPolicySpec(spec))).toEqual(expected);
  });

  it('a spec that is not an object', () => {
    expect(problemsOf(validateRoutingPolicySpec(null))).toEqual([
      'spec: must be an object, not null',
    ]);
  });

  it('reporting every problem at once', () => {
    const spec = routingSpec();
    spec.providers[0].schema = 'GPT';
    spec.models[0].backends[1].provider = 'azur';
    spec.models[1].rateLimit.requestsPerMinute = 0;
    spec.extra = true;
    expect(problemsOf(validateRoutingPolicySpec(spec))).toEqual([
      `spec.providers[0].schema: must be one of ${SCHEMAS} (got "GPT")`,
      'spec.models[1].rateLimit.requestsPerMinute: must be at least 1 (got 0)',
      'spec.extra: unknown field',
      'spec.models[0].backends[1].provider: no provider named "azur" (have: openai, azure, bedrock, ollama)',
    ]);
  });
});

describe('validateAccessPolicySpec rejects', () => {
  it.each(accessCases)('%s', (_name, mutate, expected) => {
    const spec = accessSpec();
    mutate(spec);
    expect(problemsOf(validateAccessPolicySpec(spec))).toEqual(expected);
  });

  it('accepts a prefix that names the whole trust domain', () => {
    const spec = accessSpec();
    spec.mtls.allowedSubjects = [{ spiffeIdPrefix: 'spiffe://localtest.me/' }];
    expect(problemsOf(validateAccessPolicySpec(spec))).toEqual([]);
  });
});

describe('validatePolicyResource', () => {
  it('detects the kind and validates metadata and spec', () => {
    const resource = parse(specRoutingPolicyYaml);
    resource.metadata = { name: 'Team1 Models' };
    resource.spec.models[0].backends[0].provider = 'nope';
    expect(problemsOf(validatePolicyResource(resource) as any)).toEqual([
      `metadata.name: ${DNS_SUBDOMAIN}`,
      'metadata.namespace: required',
      'spec.models[0].backends[0].provider: no provider named "nope" (have: openai, azure, bedrock, ollama)',
    ]);
  });

  it('rejects other kinds and versions', () => {
    const resource = parse(specAccessPolicyYaml);
    resource.apiVersion = 'aigateway.kagenti.dev/v1';
    resource.kind = 'AIPolicy';
    expect(problemsOf(validatePolicyResource(resource) as any)).toEqual([
      'apiVersion: must be "aigateway.kagenti.dev/v1alpha1"',
      'kind: must be one of AIRoutingPolicy, AIAccessPolicy',
    ]);
  });

  it('validates the status when there is one', () => {
    const resource = parse(specAccessPolicyYaml);
    resource.status = {
      conditions: [
        {
          type: 'Accepted',
          status: 'Yes',
          reason: 'Valid',
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    expect(problemsOf(validatePolicyResource(resource) as any)).toEqual([
      'status.conditions[0].status: must be one of True, False, Unknown (got "Yes")',
    ]);
    resource.status.conditions[0].status = 'True';
    expect(validatePolicyResource(resource).ok).toBe(true);
  });
});

// Found by the reliability campaign (packages/reliability): these inputs made validation throw
// (RangeError / TypeError) instead of reporting a problem, or copied megabytes into a message.
describe('validation of hostile input', () => {
  it('reports deeply nested values instead of overflowing the stack', () => {
    const spec = routingSpec();
    let deep: any = [];
    for (let i = 0; i < 20000; i++) deep = [deep];
    spec.models = [deep];
    const result = validateRoutingPolicySpec(spec);
    expect(result.ok).toBe(false);
    expect(problemsOf(result as any)).toEqual([
      'spec.models[0]: must be an object, not a list',
    ]);
  });

  it('reports circular values (a YAML alias cycle) instead of throwing', () => {
    const spec = routingSpec();
    const cycle: any = { a: 1 };
    cycle.self = cycle;
    spec.models[0].rateLimit = { requestsPerMinute: cycle };
    expect(problemsOf(validateRoutingPolicySpec(spec) as any)).toEqual([
      'spec.models[0].rateLimit.requestsPerMinute: must be an integer, not an object',
    ]);
  });

  it('keeps messages short for huge rejected values', () => {
    const spec = routingSpec();
    spec.providers[0].schema = 'x'.repeat(1_000_000);
    const [problem] = (validateRoutingPolicySpec(spec) as any).problems;
    expect(problem.path).toBe('spec.providers[0].schema');
    expect(problem.message.length).toBeLessThan(400);
  });
});
