/**
 * Catalog module for the AI Gateway policy kinds (AIRoutingPolicy, AIAccessPolicy): validation
 * with errors naming every bad field, and ownership, system and gateway relations.
 *
 * @packageDocumentation
 */

export { catalogModuleAiGateway as default } from './module';
export {
  AIGatewayEntitiesProcessor,
  isPolicyEntity,
} from './AIGatewayEntitiesProcessor';
