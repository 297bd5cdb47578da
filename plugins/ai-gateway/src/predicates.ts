import type { Entity } from '@backstage/catalog-model';
import {
  ACCESS_POLICY_KIND,
  AGENT_COMPONENT_TYPE,
  GATEWAY_RESOURCE_TYPE,
  ROUTING_POLICY_KIND,
} from '@kagenti/backstage-plugin-ai-gateway-common';

const sameKind = (entity: Entity, kind: string) =>
  entity.kind.toLocaleLowerCase('en-US') === kind.toLocaleLowerCase('en-US');

/**
 * True for a Kagenti agent: a `Component` whose `spec.type` is `agent`.
 *
 * @public
 */
export function isAgentEntity(entity: Entity): boolean {
  return (
    sameKind(entity, 'Component') && entity.spec?.type === AGENT_COMPONENT_TYPE
  );
}

/** @public */
export function isAIRoutingPolicyEntity(entity: Entity): boolean {
  return sameKind(entity, ROUTING_POLICY_KIND);
}

/** @public */
export function isAIAccessPolicyEntity(entity: Entity): boolean {
  return sameKind(entity, ACCESS_POLICY_KIND);
}

/**
 * True for either AI Gateway policy kind.
 *
 * @public
 */
export function isAIPolicyEntity(entity: Entity): boolean {
  return isAIRoutingPolicyEntity(entity) || isAIAccessPolicyEntity(entity);
}

/**
 * True for a Gateway registered in the catalog: a `Resource` of type
 * `ai-gateway`.
 *
 * @public
 */
export function isAIGatewayEntity(entity: Entity): boolean {
  return (
    sameKind(entity, 'Resource') && entity.spec?.type === GATEWAY_RESOURCE_TYPE
  );
}
