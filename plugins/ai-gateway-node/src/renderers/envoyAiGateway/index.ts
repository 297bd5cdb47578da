export { EnvoyAiGatewayRenderer } from './EnvoyAiGatewayRenderer';
export {
  COST_METADATA_KEYS,
  planRoutes,
  providerObjectName,
  routeName,
} from './renderRouting';
export type { RoutePlan } from './renderRouting';
export { caSecretName } from './renderAccess';
export {
  API as ENVOY_AI_GATEWAY_API,
  MAX_RULES_PER_ROUTE,
  MODEL_HEADER,
} from './apiVersions';
export { labelValue } from './objectMeta';
