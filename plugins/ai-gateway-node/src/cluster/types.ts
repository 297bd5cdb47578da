import type { KubernetesObject } from '../kubernetes';

/** A Kubernetes object as plain JSON; the same type as {@link KubernetesObject}. */
export type KubeObject = KubernetesObject;

/** How to reach one cluster, as read from configuration. */
export interface ClusterSpec {
  name: string;
  /** API server URL (http or https). */
  url: string;
  /** Bearer token (a service account token). */
  token?: string;
  /** A file holding the bearer token, re-read when it rotates (in-cluster). */
  tokenFile?: string;
  /** CA certificate(s), PEM. */
  caPem?: string;
  /** Client certificate and key, PEM (kubeconfig users). */
  certPem?: string;
  keyPem?: string;
  skipTLSVerify?: boolean;
  /** The project's local development server rather than a real cluster. */
  local?: boolean;
}

/** Where a kind lives in the API. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** Counters a pass or a benchmark reads. */
export interface RequestStats {
  requests: number;
  writes: number;
  retries: number;
  errors: number;
}

/** An error from the API server or the network, without request bodies (they may hold secrets). */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason?: string;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    statusCode: number,
    reason?: string,
    retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** True for an error that means "the object does not exist". */
export function isNotFound(e: unknown): boolean {
  return e instanceof KubeApiError && e.statusCode === 404;
}

/** True for an error that means "the cluster could not be reached" (no HTTP answer at all). */
export function isUnreachable(e: unknown): boolean {
  return e instanceof KubeApiError && e.statusCode === 0;
}

/**
 * The object without `metadata.managedFields` (a copy when it has them): nothing here reads
 * them, and they are about half of what the API server answers for an applied object.
 */
export function withoutManagedFields(o: KubeObject): KubeObject {
  if (o.metadata?.managedFields === undefined) return o;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata };
}
