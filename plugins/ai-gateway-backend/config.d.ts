import { HumanDuration } from '@backstage/types';

export interface Config {
  /** The AI Gateway backend plugin (reconciler and REST API). */
  aiGateway?: {
    /**
     * `embedded` (default): the backend renders the Envoy AI Gateway objects, applies and prunes
     * them and writes status. `external`: it only applies the policy resources and reads back the
     * status an in-cluster controller writes.
     */
    mode?: 'embedded' | 'external';
    /**
     * Value of the `aigateway.kagenti.dev/managed-by-instance` label on everything this
     * installation writes; it deletes only objects carrying it. Default `backstage`.
     */
    instance?: string;
    /** How often a full pass runs (default 30 seconds). Scheduled with global scope. */
    schedule?: HumanDuration | string;
    /** Longest a pass may run before the scheduler gives up on it (default 3 minutes). */
    timeout?: HumanDuration | string;
    /**
     * How long a policy entity must have been missing from the catalog before its resource is
     * deleted (default 1 minute), so a catalog still filling up after a restart does not take
     * policies out of the cluster.
     */
    deletionGracePeriod?: HumanDuration | string;
    /** Wait before the first pass after startup (default: none). */
    initialDelay?: HumanDuration | string;
    /**
     * How often the catalog is checked for policy changes between passes (default 5 seconds).
     * During the deletion grace period after startup, while the catalog may still be filling
     * up, it is checked every second instead, unless this interval is longer than that period.
     */
    catalogPollInterval?: HumanDuration | string;
    /**
     * How old the in-memory directory of agents that per-agent access answers from may get
     * before it is read again (default 5 seconds): an edited or deleted agent shows after about
     * this long. Zero reads the agent from the catalog on every request.
     */
    agentDirectoryMaxAge?: HumanDuration | string;
    /** Watch rendered objects, Gateways and trust bundle ConfigMaps (default true). */
    watch?: boolean;
    /** Requests in flight per cluster (default 16). */
    concurrency?: number;
    /** Cluster of policy entities without the `aigateway.kagenti.dev/cluster` annotation (default: the first). */
    defaultCluster?: string;
    /**
     * Names of clusters (from `kubernetes.clusterLocatorMethods`) that are the project's local
     * development server; the UI says so.
     */
    localClusters?: string[];
    /** A kubeconfig file whose current context is used when no cluster is configured otherwise. */
    kubeconfig?: string;
    /**
     * Clusters of this plugin. When absent, the `config` clusters of
     * `kubernetes.clusterLocatorMethods` are used; then `kubeconfig`; then the in-cluster
     * service account.
     */
    clusters?: Array<{
      /** Cluster name, as used in the `aigateway.kagenti.dev/cluster` annotation. */
      name: string;
      /** API server URL. */
      url?: string;
      /**
       * Bearer token of the service account the plugin acts as.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /**
       * Base64 of the API server's CA certificate (PEM).
       * @visibility secret
       */
      caData?: string;
      /** Path of the API server's CA certificate (PEM). */
      caFile?: string;
      /** Do not verify the API server's certificate (development only). */
      skipTLSVerify?: boolean;
      /** The project's local development server rather than a real cluster. */
      local?: boolean;
      /** Take URL and credentials from this kubeconfig file instead. */
      kubeconfig?: string;
      /** The kubeconfig context to use (default: current). */
      context?: string;
    }>;
  };
}
