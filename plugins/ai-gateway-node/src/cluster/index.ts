/**
 * Cluster access for the AI Gateway reconciler: configuration, a server-side-apply client with
 * retries and bounded concurrency, ownership checks and a desired-versus-live diff.
 */
export { KubeClient } from './KubeClient';
export { ClusterCache } from './ClusterCache';
export type { TrackOptions } from './ClusterCache';
export type {
  KubeClientOptions,
  ListOptions,
  RequestOptions,
  WatchEvent,
  WatchHandle,
} from './KubeClient';
export {
  readClusterSpecs,
  clusterFromKubeconfig,
  inClusterSpec,
} from './clusterConfig';
export type { ClusterConfigSource } from './clusterConfig';
export { diffObject } from './diff';
export { isOwnedBy } from './ownership';
export type { OwnershipLabels } from './ownership';
export {
  KubeApiError,
  isNotFound,
  isUnreachable,
  withoutManagedFields,
} from './types';
export type {
  KubeObject,
  ClusterSpec,
  ResourceInfo,
  RequestStats,
} from './types';
