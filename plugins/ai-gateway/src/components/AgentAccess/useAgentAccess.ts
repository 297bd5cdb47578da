import { useApi } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiGatewayApiRef } from '../../api';
import { entityNamespace } from '../shared';

export function useAgentAccess(entity: Entity) {
  const api = useApi(aiGatewayApiRef);
  const namespace = entityNamespace(entity);
  const name = entity.metadata.name;
  return useAsyncRetry(
    () => api.getAgentAccess(namespace, name),
    [api, namespace, name],
  );
}
