/**
 * The one shape of a Kubernetes object in this package: what the renderers produce, what the
 * cluster client applies and reads back, and the key both sides use to match the two.
 */

/** A Kubernetes object as plain JSON: rendered for server-side apply, or read from a cluster. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    /** Set by the API server; absent on rendered objects. */
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Identifies an object within the policy's namespace. */
export interface ObjectKey {
  apiVersion: string;
  kind: string;
  name: string;
}

/**
 * `apiVersion/kind/namespace/name`, the identity of an object in a cluster. Rendered objects, live
 * objects and apply errors are all matched by it, so it must be computed here and nowhere else.
 */
export function objectKey(o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${
    o.metadata.name
  }`;
}
