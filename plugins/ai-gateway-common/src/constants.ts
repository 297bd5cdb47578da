/** The API group of the two policy kinds. */
export const AI_GATEWAY_API_GROUP = 'aigateway.kagenti.dev';
/** The only served version of the two policy kinds. */
export const AI_GATEWAY_API_VERSION_NAME = 'v1alpha1';
/** `apiVersion` of both kinds, as written in resources and catalog entities. */
export const AI_GATEWAY_API_VERSION = 'aigateway.kagenti.dev/v1alpha1';
export const ROUTING_POLICY_KIND = 'AIRoutingPolicy';
export const ACCESS_POLICY_KIND = 'AIAccessPolicy';
/** Field manager of every server-side apply the reconciler makes. */
export const FIELD_MANAGER = 'kagenti-ai-gateway';

/** Labels on the objects the reconciler writes (it deletes only objects carrying them). */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  managedByValue: 'kagenti-ai-gateway',
  policy: 'aigateway.kagenti.dev/policy',
  instance: 'aigateway.kagenti.dev/managed-by-instance',
} as const;

/** Annotations read from catalog entities. */
export const ANNOTATIONS = {
  /** Target namespace of a policy, gateway or agent (required on policies). */
  namespace: 'backstage.io/kubernetes-namespace',
  /** Target cluster; absent means the configured default cluster. */
  cluster: 'aigateway.kagenti.dev/cluster',
  /** An agent's Kubernetes service account (default: the entity name). */
  serviceAccount: 'kagenti.io/service-account',
  /** Overrides the SPIFFE ID derived from trust domain, namespace and service account. */
  spiffeId: 'aigateway.kagenti.dev/spiffe-id',
} as const;

/** Group and kind a policy's `targetRef` points at. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_KIND = 'Gateway';

/** Catalog `Resource` type of gateways and `Component` type of agents. */
export const GATEWAY_RESOURCE_TYPE = 'ai-gateway';
export const AGENT_COMPONENT_TYPE = 'agent';
