/**
 * A Kubernetes API server for development and tests (like kwok or envtest), never a production cluster.
 *
 * @packageDocumentation
 */
export {
  validateAgainstSchema,
  validateObject,
  applyDefaults,
  pruneUnknownFields,
  loadCrds,
  parseCrds,
  findCrd,
  crdSchema,
} from './validation';
export type {
  SchemaProblem,
  JSONSchemaProps,
  CRD,
  CRDVersion,
  ValidateOptions,
} from './validation';
export { startKubeServer } from './startKubeServer';
export { defaultCrdDirs } from './KubeServer';
export type {
  KubeServer,
  KubeServerOptions,
  KubeconfigOptions,
} from './KubeServer';
export type { AccessRule, TokenUser } from './auth';
export { Faults } from './faults';
export type { Fault, FaultSpec, FaultKind } from './faults';
export { seedDemo, demoSpiffeBundle, DEMO_TRUST_DOMAIN } from './demo';
export { SIMULATION_NOTE } from './simulate';
export { StatusError } from './api';
export type { ApiCore } from './api';
