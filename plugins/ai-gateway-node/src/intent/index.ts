export * from './types';
export {
  buildAccessIntent,
  buildRoutingIntent,
  httpsListenersServing,
  managedServerSecretName,
  parseEndpoint,
} from './buildIntent';
export type {
  AccessFacts,
  IntentResult,
  ObservedGateway,
  Problem,
} from './buildIntent';
