/** The examples of SPEC section 2, verbatim, as parsed YAML. */
export const specRoutingPolicyYaml = `
apiVersion: aigateway.kagenti.dev/v1alpha1
kind: AIRoutingPolicy
metadata: {name: team1-models, namespace: team1}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ai-gateway}  # same namespace
  providers:
  - name: openai                       # DNS label, unique in the policy
    endpoint: https://api.openai.com   # http or https URL; https means TLS to the provider
    schema: OpenAI                     # OpenAI|AzureOpenAI|AWSBedrock|GCPVertexAI|GCPAnthropic|Anthropic|AWSAnthropic|Cohere
    credentials: {type: APIKey, secretRef: {name: openai-secret}}
  - name: azure
    endpoint: https://team1.openai.azure.com
    schema: AzureOpenAI
    schemaVersion: 2025-01-01-preview
    credentials: {type: AzureCredentials, tenantId: t, clientId: c, secretRef: {name: azure-secret}}
  - name: bedrock
    endpoint: https://bedrock-runtime.us-east-1.amazonaws.com
    schema: AWSBedrock
    credentials: {type: AWSCredentials, region: us-east-1, secretRef: {name: aws-secret}}
  - name: ollama
    endpoint: http://ollama.team1.svc:11434
    schema: OpenAI
  models:
  - name: gpt-4o                       # the virtual name clients send in the request body
    backends:
    - {provider: openai, model: gpt-4o, priority: 0}
    - {provider: azure, model: gpt-4o-2024-05-13, priority: 1}   # fallback
    rateLimit: {tokensPerHour: 100000, tokenCountMode: TotalToken}
    failover: {retryOn: [502, 503, 429, connect-failure], maxRetries: 2}
  - name: qwen2.5:3b
    backends: [{provider: ollama, model: "qwen2.5:3b"}]
    rateLimit: {requestsPerMinute: 60}
`;

export const specAccessPolicyYaml = `
apiVersion: aigateway.kagenti.dev/v1alpha1
kind: AIAccessPolicy
metadata: {name: ai-gateway-access, namespace: team1}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ai-gateway}
  mtls:
    trustDomain: localtest.me
    trustBundleConfigMap: {name: spire-bundle, namespace: spire-system, key: bundle.spiffe}
    serverCertRef: {name: my-server-cert}        # optional; else a self-signed one is managed
    allowedSubjects:                             # optional; default: the whole trust domain
    - spiffeIdPrefix: spiffe://localtest.me/ns/team1/
    - spiffeId: spiffe://localtest.me/ns/team2/sa/weather-agent
`;
