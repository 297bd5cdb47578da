/**
 * A Kubernetes API server for development and tests (like kwok or envtest), never a production cluster.
 *
 * @packageDocumentation
 */
export {
  validateAgainstSchema,
  validateObject,
  applyDefaults,
  loadCrds,
  parseCrds,
  findCrd,
  crdSchema,
} from './validation';
export type { SchemaProblem, JSONSchemaProps, CRD, CRDVersion, ValidateOptions } from './validation';
