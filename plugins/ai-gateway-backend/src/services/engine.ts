import { KubeObject } from '@kagenti/backstage-plugin-ai-gateway-node';

/** What the reconciler observed in one cluster at the start of a pass. */
export interface ObservedCluster {
  cluster: string;
  /** Gateways by `namespace/name`. */
  gateways: Map<string, KubeObject>;
  /** Trust bundle ConfigMaps by `namespace/name` (only the referenced ones). */
  configMaps: Map<string, KubeObject>;
  /** Credential Secrets by `namespace/name`: their type and key names, never their values. */
  secretKeys: Map<string, { type?: string; keys: string[] }>;
  /** Objects this instance rendered earlier, by objectKey (live, as the API server returns them). */
  owned: Map<string, KubeObject>;
  /** Every policy resource of this instance in the cluster (live, after this pass's applies). */
  policies: KubeObject[];
}

export interface RenderOutcome {
  objects: KubeObject[];
  /** Why nothing (or only part) could be rendered, for the Accepted condition. */
  problems: Array<{ path: string; message: string }>;
  /** objectKeys of objects that must not be pruned although not rendered this time (fail closed). */
  retain: string[];
  /** The renderer's own result, handed back to `status`. */
  detail?: unknown;
}

/**
 * The policy → objects → status steps, from `-node`. The reconciler is written against this
 * interface so it knows nothing about a particular proxy.
 */
export interface Engine {
  /** Kinds of the objects the renderer may produce (listed each pass to find drift and prune). */
  renderedKinds: Array<{ apiVersion: string; kind: string }>;
  /** Trust bundle ConfigMaps a policy reads, as `namespace/name`. */
  bundleRefs(policy: KubeObject): string[];
  /**
   * The objects of a policy as it is in the cluster. A `hypothetical` policy (a dry-run's, whose
   * spec is not the one its generation stands for) is rendered on its own, neither taken from
   * nor kept for the renders of the cluster's policies.
   */
  render(
    policy: KubeObject,
    observed: ObservedCluster,
    options?: { hypothetical?: boolean },
  ): Promise<RenderOutcome>;
  /**
   * Called once a policy's rendered objects are applied: the cluster now holds what the last
   * render asked for, so that render stays valid for the state just written.
   */
  applied?(policy: KubeObject, observed: ObservedCluster): void;
  status(
    policy: KubeObject,
    render: RenderOutcome,
    observed: ObservedCluster,
    applyErrors: Map<string, string>,
    now: Date,
  ): Record<string, unknown>;
}
