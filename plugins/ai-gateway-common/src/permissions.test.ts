import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  aiGatewayPermissions,
  aiGatewayPolicyApplyPermission,
  aiGatewayPolicyReadPermission,
} from './permissions';

describe('permissions', () => {
  it('are catalog-entity resource permissions for reading and updating policies', () => {
    expect(aiGatewayPolicyReadPermission).toMatchObject({
      type: 'resource',
      name: 'ai-gateway.policy.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    expect(aiGatewayPolicyApplyPermission).toMatchObject({
      type: 'resource',
      name: 'ai-gateway.policy.apply',
      attributes: { action: 'update' },
      resourceType: 'catalog-entity',
    });
    expect(
      aiGatewayPermissions.every(p =>
        isResourcePermission(p, 'catalog-entity'),
      ),
    ).toBe(true);
  });
});
