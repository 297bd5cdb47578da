import { useApi } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { aiGatewayApiRef } from '../../api';
import { entityNamespace, isFirstPassRunning, usePolledAsync } from '../shared';

/**
 * The agent's access, refreshed in the background. `firstPassRunning`: no Gateway is listed
 * because the backend has not finished its first reconcile pass, not because none admits the
 * agent.
 */
export function useAgentAccess(entity: Entity) {
  const api = useApi(aiGatewayApiRef);
  const namespace = entityNamespace(entity);
  const name = entity.metadata.name;
  const { value, ...state } = usePolledAsync(async () => {
    const access = await api.getAgentAccess(namespace, name);
    const firstPassRunning =
      access.gateways.length === 0 && (await isFirstPassRunning(api));
    return { access, firstPassRunning };
  }, [api, namespace, name]);
  return {
    ...state,
    value: value?.access,
    firstPassRunning: value?.firstPassRunning ?? false,
  };
}
