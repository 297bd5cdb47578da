/**
 * AI Gateway for Kagenti agents: the frontend plugin (legacy frontend system;
 * the new frontend system's plugin is the default export of `/alpha`).
 *
 * @packageDocumentation
 */
export {
  aiGatewayPlugin,
  AiGatewayPage,
  EntityAiAccessContent,
  EntityAiGatewayContent,
  EntityAiModelsCard,
  EntityAiPolicyContent,
} from './plugin';
export {
  isAgentEntity,
  isAIGatewayEntity,
  isAIAccessPolicyEntity,
  isAIPolicyEntity,
  isAIRoutingPolicyEntity,
} from './predicates';
export { AiGatewayClient, aiGatewayApiRef } from './api';
export type { AiGatewayApi } from './api';
export { rootRouteRef as aiGatewayRouteRef } from './routes';
