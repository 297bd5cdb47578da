import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ApiAgentAccess,
  ApiDryRunResult,
  ApiGatewaySummary,
  ApiHealth,
  ApiPolicyStatus,
  ApiReconcileResult,
} from '@kagenti/backstage-plugin-ai-gateway-common';

/**
 * Client of the AI Gateway backend (`/api/ai-gateway`).
 *
 * `namespace` is always the catalog entity namespace (usually `default`), not
 * the Kubernetes namespace: the backend resolves the entity and its cluster.
 *
 * @public
 */
export interface AiGatewayApi {
  getAgentAccess(namespace: string, name: string): Promise<ApiAgentAccess>;
  getPolicyStatus(
    namespace: string,
    kind: string,
    name: string,
  ): Promise<ApiPolicyStatus>;
  getGateways(): Promise<ApiGatewaySummary[]>;
  /**
   * The backend's health and its last reconcile pass; `lastPass` is null until the first pass
   * since the backend started has finished.
   */
  getHealth(): Promise<ApiHealth>;
  dryRunPolicy(
    namespace: string,
    kind: string,
    name: string,
  ): Promise<ApiDryRunResult>;
  reconcilePolicy(
    namespace: string,
    kind: string,
    name: string,
  ): Promise<ApiReconcileResult>;
}

/**
 * Reference to the {@link AiGatewayApi}. Created with the core-plugin-api
 * helper so the same ref works in the legacy and the new frontend system.
 *
 * @public
 */
export const aiGatewayApiRef = createApiRef<AiGatewayApi>({
  id: 'plugin.ai-gateway.service',
});
