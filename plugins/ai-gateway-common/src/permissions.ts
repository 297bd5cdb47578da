import { createPermission } from '@backstage/plugin-permission-common';

/** Policies are catalog entities, so their permissions are catalog-entity resource permissions. */
const RESOURCE_TYPE_CATALOG_ENTITY = 'catalog-entity';

/** Read a policy's status, rendered objects, dry-run and an agent's access. */
export const aiGatewayPolicyReadPermission = createPermission({
  name: 'ai-gateway.policy.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Apply (reconcile) a policy into its cluster. */
export const aiGatewayPolicyApplyPermission = createPermission({
  name: 'ai-gateway.policy.apply',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const aiGatewayPermissions = [
  aiGatewayPolicyReadPermission,
  aiGatewayPolicyApplyPermission,
];
