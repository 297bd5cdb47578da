import type { Entity } from '@backstage/catalog-model';
import { parse } from 'yaml';

/** A gateway with a routing and an access policy in team1, as in examples/ai-gateway.yaml. */
export const routingPolicyYaml = `apiVersion: aigateway.kagenti.dev/v1alpha1
kind: AIRoutingPolicy
metadata:
  name: team1-models
  annotations:
    backstage.io/kubernetes-namespace: team1
spec:
  owner: group:default/guests
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ai-gateway}
  providers:
    - name: openai
      endpoint: https://api.openai.com
      schema: OpenAI
      credentials: {type: APIKey, secretRef: {name: openai-secret}}
    - name: ollama
      endpoint: http://ollama.team1.svc:11434
      schema: OpenAI
  models:
    - name: gpt-4o
      backends: [{provider: openai, model: gpt-4o}]
      rateLimit: {tokensPerHour: 100000}
    - name: qwen2.5:3b
      backends: [{provider: ollama, model: "qwen2.5:3b"}]
`;

export const accessPolicyYaml = `apiVersion: aigateway.kagenti.dev/v1alpha1
kind: AIAccessPolicy
metadata:
  name: ai-gateway-access
  annotations:
    backstage.io/kubernetes-namespace: team1
spec:
  owner: group:default/guests
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ai-gateway}
  mtls:
    trustDomain: localtest.me
    trustBundleConfigMap: {name: spire-bundle, namespace: spire-system, key: bundle.spiffe}
    allowedSubjects:
      - spiffeIdPrefix: spiffe://localtest.me/ns/team1/
`;

export const routingPolicy = parse(routingPolicyYaml) as Entity;
export const accessPolicy = parse(accessPolicyYaml) as Entity;

export function gatewayEntity(
  name = 'ai-gateway',
  namespace = 'team1',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-namespace': namespace },
    },
    spec: { type: 'ai-gateway', owner: 'group:default/guests' },
  };
}

export function agentEntity(
  name: string,
  namespace: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-namespace': namespace,
        'kagenti.io/service-account': name,
        ...annotations,
      },
    },
    spec: {
      type: 'agent',
      lifecycle: 'experimental',
      owner: 'group:default/guests',
    },
  };
}

/** The demo catalog: one gateway, its two policies, one agent in team1. */
export function demoEntities(): Entity[] {
  return [
    gatewayEntity(),
    gatewayEntity('bare-gateway', 'team3'),
    {
      ...routingPolicy,
      metadata: { ...routingPolicy.metadata, namespace: 'default' },
    },
    {
      ...accessPolicy,
      metadata: { ...accessPolicy.metadata, namespace: 'default' },
    },
    agentEntity('weather-agent', 'team1'),
  ];
}
