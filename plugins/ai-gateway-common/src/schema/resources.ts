import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_VERSION,
  ROUTING_POLICY_KIND,
} from '../constants';
import type { AccessPolicyStatus, AIAccessPolicySpec } from './accessPolicy';
import type { AIRoutingPolicySpec, RoutingPolicyStatus } from './routingPolicy';

/** The part of Kubernetes object metadata the policy kinds use. */
export interface PolicyMetadata {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
}

export interface AIRoutingPolicy {
  apiVersion: typeof AI_GATEWAY_API_VERSION;
  kind: typeof ROUTING_POLICY_KIND;
  metadata: PolicyMetadata;
  spec: AIRoutingPolicySpec;
  status?: RoutingPolicyStatus;
}

export interface AIAccessPolicy {
  apiVersion: typeof AI_GATEWAY_API_VERSION;
  kind: typeof ACCESS_POLICY_KIND;
  metadata: PolicyMetadata;
  spec: AIAccessPolicySpec;
  status?: AccessPolicyStatus;
}

export type AIPolicy = AIRoutingPolicy | AIAccessPolicy;
export type AIPolicyKind = AIPolicy['kind'];

export function isRoutingPolicy(policy: AIPolicy): policy is AIRoutingPolicy {
  return policy.kind === ROUTING_POLICY_KIND;
}

export function isAccessPolicy(policy: AIPolicy): policy is AIAccessPolicy {
  return policy.kind === ACCESS_POLICY_KIND;
}
