/**
 * The AI Gateway policy model, shared by the frontend and backend plugins: the two custom
 * resource kinds (zod schemas and the types derived from them), validation, SPIFFE IDs,
 * condition types and reasons, entity mapping, permissions and the REST API types.
 *
 * @packageDocumentation
 */

export * from './constants';
export * from './conditions';
export * from './permissions';
export * from './spiffe';
export {
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  targetRefSchema,
  conditionSchema,
  renderedResourceSchema,
} from './schema/common';
export type { TargetRef, Condition, RenderedResource } from './schema/common';
export * from './schema/routingPolicy';
export * from './schema/accessPolicy';
export * from './schema/resources';
export * from './validation';
export * from './entity';
export * from './crd/crd';
export * from './api/types';
