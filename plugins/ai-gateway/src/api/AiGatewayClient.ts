import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ApiAgentAccess,
  ApiDryRunResult,
  ApiGatewaySummary,
  ApiHealth,
  ApiPolicyStatus,
  ApiReconcileResult,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import type { AiGatewayApi } from './AiGatewayApi';

/**
 * Default {@link AiGatewayApi} implementation: talks to the backend plugin
 * through the discovery and fetch APIs, so the user's Backstage token is sent.
 *
 * @public
 */
export class AiGatewayClient implements AiGatewayApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getAgentAccess(namespace: string, name: string): Promise<ApiAgentAccess> {
    return this.request('GET', ['agents', namespace, name, 'access']);
  }

  getPolicyStatus(
    namespace: string,
    kind: string,
    name: string,
  ): Promise<ApiPolicyStatus> {
    return this.request('GET', [
      'policies',
      namespace,
      kind.toLowerCase(),
      name,
    ]);
  }

  async getGateways(): Promise<ApiGatewaySummary[]> {
    const body = await this.request<
      ApiGatewaySummary[] | { items: ApiGatewaySummary[] }
    >('GET', ['gateways']);
    // The contract does not pin the envelope; accept a bare array or {items}.
    return Array.isArray(body) ? body : body.items ?? [];
  }

  getHealth(): Promise<ApiHealth> {
    return this.request('GET', ['health']);
  }

  dryRunPolicy(
    namespace: string,
    kind: string,
    name: string,
  ): Promise<ApiDryRunResult> {
    return this.request('POST', [
      'policies',
      namespace,
      kind.toLowerCase(),
      name,
      'dry-run',
    ]);
  }

  reconcilePolicy(
    namespace: string,
    kind: string,
    name: string,
  ): Promise<ApiReconcileResult> {
    return this.request('POST', [
      'policies',
      namespace,
      kind.toLowerCase(),
      name,
      'reconcile',
    ]);
  }

  private async request<T>(method: 'GET' | 'POST', segments: string[]) {
    const baseUrl = await this.discoveryApi.getBaseUrl('ai-gateway');
    const path = segments.map(s => encodeURIComponent(s)).join('/');
    const response = await this.fetchApi.fetch(`${baseUrl}/${path}`, {
      method,
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
