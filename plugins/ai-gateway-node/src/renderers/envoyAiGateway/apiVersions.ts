/** API versions rendered for Envoy AI Gateway v1.1 on Envoy Gateway v1.8 and Gateway API v1.5. */
export const API = {
  backend: { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend' },
  backendTLSPolicy: {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
  },
  aiServiceBackend: {
    apiVersion: 'aigateway.envoyproxy.io/v1beta1',
    kind: 'AIServiceBackend',
  },
  backendSecurityPolicy: {
    apiVersion: 'aigateway.envoyproxy.io/v1beta1',
    kind: 'BackendSecurityPolicy',
  },
  aiGatewayRoute: {
    apiVersion: 'aigateway.envoyproxy.io/v1beta1',
    kind: 'AIGatewayRoute',
  },
  backendTrafficPolicy: {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'BackendTrafficPolicy',
  },
  clientTrafficPolicy: {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'ClientTrafficPolicy',
  },
  secret: { apiVersion: 'v1', kind: 'Secret' },
} as const;

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const ENVOY_GATEWAY_GROUP = 'gateway.envoyproxy.io';
export const AI_GATEWAY_GROUP = 'aigateway.envoyproxy.io';

/** Header Envoy AI Gateway sets from the request body's `model` before routing. */
export const MODEL_HEADER = 'x-ai-eg-model';
/** Dynamic metadata namespace where Envoy AI Gateway stores request costs. */
export const COST_METADATA_NAMESPACE = 'io.envoy.ai_gateway';
/** Gateway API allows 16 rules per HTTPRoute; Envoy AI Gateway keeps one for its catch-all. */
export const MAX_RULES_PER_ROUTE = 15;
/** Envoy Gateway's global rate limit counters are `uint32` in Envoy, `int32` in the CRD. */
export const MAX_RATE_LIMIT = 2147483647;
