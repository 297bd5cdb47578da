import type { Problem } from '../intent/buildIntent';
import type { Intent } from '../intent/types';
import type { KubernetesObject, ObjectKey } from '../kubernetes';

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
