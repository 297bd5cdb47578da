import type { Entity } from '@backstage/catalog-model';
import type {
  ApiAgentAccess,
  ApiGatewaySummary,
  ApiHealth,
  ApiPolicyStatus,
} from '@kagenti/backstage-plugin-ai-gateway-common';

export const agentEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'weather-agent',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
  },
  spec: { type: 'agent', owner: 'team1', lifecycle: 'experimental' },
};

export const serviceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'billing' },
  spec: { type: 'service', owner: 'team1', lifecycle: 'production' },
};

export const gatewayEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'ai-gateway',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
  },
  spec: { type: 'ai-gateway', owner: 'platform' },
};

export const routingPolicyEntity: Entity = {
  apiVersion: 'aigateway.kagenti.dev/v1alpha1',
  kind: 'AIRoutingPolicy',
  metadata: {
    name: 'team1-models',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
  },
  spec: { owner: 'team1' },
};

export const accessPolicyEntity: Entity = {
  apiVersion: 'aigateway.kagenti.dev/v1alpha1',
  kind: 'AIAccessPolicy',
  metadata: {
    name: 'ai-gateway-access',
    annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
  },
  spec: { owner: 'team1' },
};

const routingRef = {
  entityRef: 'airoutingpolicy:default/team1-models',
  kind: 'AIRoutingPolicy',
  name: 'team1-models',
};
const accessRef = {
  entityRef: 'aiaccesspolicy:default/ai-gateway-access',
  kind: 'AIAccessPolicy',
  name: 'ai-gateway-access',
};

const minutesAgo = (m: number) =>
  new Date(Date.now() - m * 60 * 1000).toISOString();

export const gateway: ApiGatewaySummary = {
  name: 'ai-gateway',
  cluster: 'local',
  namespace: 'team1',
  endpoint: 'https://ai-gateway.team1.svc:8443',
  entity: {
    entityRef: 'resource:default/ai-gateway',
    kind: 'Resource',
    name: 'ai-gateway',
  },
  reachable: true,
  conditions: [
    {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: 'Valid Gateway',
    },
    {
      type: 'Programmed',
      status: 'True',
      reason: 'Programmed',
      message: 'Address assigned',
    },
  ],
  policies: [
    {
      entity: routingRef,
      kind: 'AIRoutingPolicy',
      name: 'team1-models',
      gateway: 'ai-gateway',
      cluster: 'local',
      namespace: 'team1',
      programmed: 'True',
    },
    {
      entity: accessRef,
      kind: 'AIAccessPolicy',
      name: 'ai-gateway-access',
      gateway: 'ai-gateway',
      cluster: 'local',
      namespace: 'team1',
      programmed: 'False',
      reason: 'BundleNotFound',
    },
  ],
};

export const agentAccess: ApiAgentAccess = {
  agent: {
    entityRef: 'component:default/weather-agent',
    kind: 'Component',
    name: 'weather-agent',
  },
  identity: {
    spiffeId: 'spiffe://localtest.me/ns/team1/sa/weather-agent',
    trustDomain: 'localtest.me',
    namespace: 'team1',
    serviceAccount: 'weather-agent',
  },
  cluster: 'prod-east',
  gateways: [
    {
      gateway: { ...gateway, cluster: 'prod-east' },
      admitted: true,
      accessPolicy: accessRef,
      models: [
        {
          name: 'gpt-4o',
          gateway: 'ai-gateway',
          policy: routingRef,
          backends: [
            {
              provider: 'azure',
              schema: 'AzureOpenAI',
              model: 'gpt-4o-2024-05-13',
              priority: 1,
              weight: 1,
            },
            {
              provider: 'openai',
              schema: 'OpenAI',
              model: 'gpt-4o',
              priority: 0,
              weight: 1,
            },
          ],
          limits: [
            {
              kind: 'tokens',
              limit: 100000,
              window: 'Hour',
              tokenCountMode: 'TotalToken',
            },
          ],
          failover: {
            retryOn: [502, 503, 429, 'connect-failure'],
            maxRetries: 2,
          },
          ready: true,
        },
        {
          name: 'qwen2.5:3b',
          gateway: 'ai-gateway',
          policy: routingRef,
          backends: [
            {
              provider: 'ollama',
              schema: 'OpenAI',
              model: 'qwen2.5:3b',
              priority: 0,
              weight: 3,
            },
            {
              provider: 'ollama2',
              schema: 'OpenAI',
              model: 'qwen2.5:3b',
              priority: 0,
              weight: 1,
            },
          ],
          limits: [{ kind: 'requests', limit: 60, window: 'Minute' }],
          ready: false,
          message: 'Provider ollama: CredentialSecretNotFound',
        },
      ],
      conditions: [
        {
          source: 'Gateway ai-gateway',
          type: 'Programmed',
          status: 'True',
          reason: 'Programmed',
          message: 'Address assigned',
          lastTransitionTime: minutesAgo(5),
        },
        {
          source: 'AIAccessPolicy ai-gateway-access',
          type: 'BundleReady',
          status: 'False',
          reason: 'BundleNotFound',
          message: 'ConfigMap spire-system/spire-bundle not found',
          lastTransitionTime: minutesAgo(2),
        },
        {
          source: 'AIRoutingPolicy team1-models',
          type: 'RoutingActive',
          status: 'Unknown',
          reason: 'Pending',
          message: 'Waiting for Envoy AI Gateway',
        },
      ],
    },
  ],
};

export const notAdmittedAccess: ApiAgentAccess = {
  ...agentAccess,
  gateways: [
    {
      ...agentAccess.gateways[0],
      admitted: false,
      reason:
        'spiffe://localtest.me/ns/team1/sa/weather-agent is not in the allowed subjects of ai-gateway-access',
      models: [],
      conditions: [],
    },
  ],
};

export const routingStatus: ApiPolicyStatus = {
  entity: routingRef,
  kind: 'AIRoutingPolicy',
  name: 'team1-models',
  gateway: 'ai-gateway',
  cluster: 'prod-east',
  namespace: 'team1',
  generation: 3,
  reachable: true,
  conditions: [
    {
      type: 'Accepted',
      status: 'True',
      reason: 'Valid',
      message: '',
      lastTransitionTime: minutesAgo(60),
    },
    {
      type: 'ProvidersConfigured',
      status: 'False',
      reason: 'PartialFailure',
      message: '1/2 providers configured: Secret team1/azure-secret not found',
      lastTransitionTime: minutesAgo(3),
    },
    {
      type: 'Programmed',
      status: 'False',
      reason: 'PartialFailure',
      message: 'ProvidersConfigured is False',
    },
  ],
  providers: [
    {
      name: 'openai',
      schema: 'OpenAI',
      endpoint: 'https://api.openai.com',
      credentials: { type: 'APIKey', secretName: 'openai-secret' },
      ready: true,
    },
    {
      name: 'azure',
      schema: 'AzureOpenAI',
      endpoint: 'https://team1.openai.azure.com',
      credentials: { type: 'AzureCredentials', secretName: 'azure-secret' },
      ready: false,
      message: 'Secret team1/azure-secret not found',
    },
    {
      name: 'bedrock',
      schema: 'AWSBedrock',
      endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com',
      credentials: { type: 'AWSCredentials' },
    },
  ],
  models: agentAccess.gateways[0].models,
  objects: [
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      name: 'team1-models',
      namespace: 'team1',
      accepted: true,
      drift: 'in-sync',
    },
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      name: 'team1-models-openai',
      namespace: 'team1',
      drift: 'drifted',
      differences: ['spec.endpoints[0].fqdn.port'],
    },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'BackendSecurityPolicy',
      name: 'team1-models-azure',
      namespace: 'team1',
      accepted: false,
      drift: 'missing',
    },
  ],
};

export const accessStatus: ApiPolicyStatus = {
  entity: accessRef,
  kind: 'AIAccessPolicy',
  name: 'ai-gateway-access',
  gateway: 'ai-gateway',
  cluster: 'prod-east',
  namespace: 'team1',
  reachable: true,
  trustDomain: 'localtest.me',
  bundle: {
    certificates: 2,
    earliestExpiry: '2099-01-01T00:00:00Z',
    sequence: 7,
  },
  allowedSubjects: [
    { spiffeIdPrefix: 'spiffe://localtest.me/ns/team1/' },
    { spiffeId: 'spiffe://localtest.me/ns/team2/sa/weather-agent' },
  ],
  conditions: [
    {
      type: 'BundleReady',
      status: 'True',
      reason: 'Loaded',
      message: '2 certificates from SPIFFE bundle, earliest expiry 2099-01-01',
    },
    { type: 'MTLSActive', status: 'True', reason: 'Applied', message: '' },
  ],
  objects: [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'ai-gateway-access-mtls-ca',
      namespace: 'team1',
      drift: 'in-sync',
    },
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'ClientTrafficPolicy',
      name: 'ai-gateway-access',
      namespace: 'team1',
      accepted: true,
      drift: 'in-sync',
    },
  ],
};

/** GET /health once the backend's first reconcile pass is done. */
export const healthDone: ApiHealth = {
  status: 'ok',
  mode: 'embedded',
  lastPass: {
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 840,
    policies: 2,
    clusters: [
      {
        cluster: 'local',
        ok: true,
        applied: 5,
        unchanged: 0,
        pruned: 0,
        deleted: 0,
        statusWrites: 2,
        requests: 21,
        writes: 7,
      },
    ],
  },
};

/** GET /health while the backend's first reconcile pass is still running. */
export const healthFirstPass: ApiHealth = {
  status: 'ok',
  mode: 'embedded',
  lastPass: null,
};
