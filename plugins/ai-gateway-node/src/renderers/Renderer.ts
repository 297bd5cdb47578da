import type { Problem } from '../intent/buildIntent';
import type { Intent } from '../intent/types';

/** A Kubernetes object as rendered: plain JSON, ready for server-side apply. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
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

export interface RenderOptions {
  /** Value of the `aigateway.kagenti.dev/managed-by-instance` label, set by the reconciler. */
  instance?: string;
}

export interface RenderResult {
  /** Everything the policy wants in the cluster; anything else it owns may be pruned. */
  objects: KubernetesObject[];
  /** Invalid input that the policy schema could not catch (the policy is then not Accepted). */
  problems: Problem[];
  /**
   * Objects this render could not produce this time but that must not be pruned: the last good CA
   * Secret when the trust bundle is unreadable, the server certificate when none was supplied.
   * Pruning them would turn a required-mTLS listener into an open one (fail closed).
   */
  retain: ObjectKey[];
}

/** Turns an intent into the objects of one proxy implementation. Pure: no cluster access. */
export interface Renderer {
  /** A short id, e.g. `envoy-ai-gateway`. */
  readonly id: string;
  render(intent: Intent, options?: RenderOptions): RenderResult;
}
