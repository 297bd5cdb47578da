/*
 * Names shared with the backend. `-common` is meant to own them (ANNOTATIONS,
 * ROUTING_POLICY_KIND, ACCESS_POLICY_KIND); they are kept here only until that
 * package exports them.
 */

export const ROUTING_POLICY_KIND = 'AIRoutingPolicy';
export const ACCESS_POLICY_KIND = 'AIAccessPolicy';

export const ANNOTATIONS = {
  namespace: 'backstage.io/kubernetes-namespace',
  cluster: 'aigateway.kagenti.dev/cluster',
  serviceAccount: 'kagenti.io/service-account',
  spiffeId: 'aigateway.kagenti.dev/spiffe-id',
} as const;
