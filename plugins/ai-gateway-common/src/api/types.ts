/*
 * The REST contract of `/api/ai-gateway` between the backend plugin and the frontend plugin.
 * Plain JSON types (no secret values ever appear in them: credentials are described by type and
 * Secret name only).
 */

/** A Kubernetes-style condition as written to a policy's or a Gateway's status. */
export interface ApiCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** Where a policy or a Gateway lives. */
export interface ClusterRef {
  cluster: string;
  namespace: string;
  /** True when the cluster is the project's local development server, not a real cluster. */
  local?: boolean;
}

export interface EntityRefInfo {
  /** Stringified entity ref, e.g. `airoutingpolicy:default/team1-models`. */
  entityRef: string;
  kind: string;
  name: string;
  title?: string;
}

export type RateLimitWindow = 'Minute' | 'Hour' | 'Day' | 'Month';

export interface ApiRateLimit {
  /** `tokens` for tokensPerHour/Day/Month, `requests` for requestsPerMinute. */
  kind: 'tokens' | 'requests';
  limit: number;
  window: RateLimitWindow;
  /** For token limits: InputToken | OutputToken | TotalToken. */
  tokenCountMode?: string;
}

export interface ApiModelBackend {
  provider: string;
  /** The provider's schema, e.g. OpenAI or AWSBedrock. */
  schema: string;
  model: string;
  priority: number;
  weight: number;
  ready?: boolean;
}

export interface ApiModelAccess {
  /** The virtual model name clients send. */
  name: string;
  gateway: string;
  policy: EntityRefInfo;
  backends: ApiModelBackend[];
  limits: ApiRateLimit[];
  failover?: { retryOn: Array<string | number>; maxRetries: number };
  ready: boolean;
  message?: string;
}

export interface ApiGatewaySummary extends ClusterRef {
  name: string;
  /** Catalog Resource entity of type ai-gateway, when the catalog has one. */
  entity?: EntityRefInfo;
  /** In-cluster endpoint agents call, e.g. https://ai-gateway.team1.svc:8443. */
  endpoint: string;
  conditions: ApiCondition[];
  /** Null when the cluster could not be reached. */
  reachable: boolean;
  error?: string;
  policies: ApiPolicySummary[];
}

export interface ApiPolicySummary extends ClusterRef {
  entity: EntityRefInfo;
  kind: 'AIRoutingPolicy' | 'AIAccessPolicy';
  name: string;
  gateway: string;
  programmed: 'True' | 'False' | 'Unknown';
  reason?: string;
}

export interface ApiRenderedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  /** Read back from the cluster: the controller accepted it (undefined = not reported). */
  accepted?: boolean;
  /** in-sync: live equals desired; drifted: live differs; missing: not in the cluster. */
  drift: 'in-sync' | 'drifted' | 'missing' | 'unknown';
  /** Field paths that differ, for drifted objects. */
  differences?: string[];
}

export interface ApiProviderInfo {
  name: string;
  schema: string;
  endpoint: string;
  /** Credential type and Secret name only, never the value. */
  credentials?: { type: string; secretName?: string };
  ready?: boolean;
  message?: string;
}

export interface ApiBundleStatus {
  certificates: number;
  earliestExpiry?: string;
  sequence?: number;
}

/** GET /policies/:namespace/:kind/:name — one policy entity's status in its cluster. */
export interface ApiPolicyStatus extends ClusterRef {
  entity: EntityRefInfo;
  kind: 'AIRoutingPolicy' | 'AIAccessPolicy';
  name: string;
  gateway: string;
  generation?: number;
  conditions: ApiCondition[];
  providers?: ApiProviderInfo[];
  models?: ApiModelAccess[];
  bundle?: ApiBundleStatus;
  allowedSubjects?: Array<{ spiffeId?: string; spiffeIdPrefix?: string }>;
  trustDomain?: string;
  objects: ApiRenderedObject[];
  reachable: boolean;
  error?: string;
}

export interface ApiAgentIdentity {
  spiffeId: string;
  trustDomain?: string;
  namespace: string;
  serviceAccount: string;
}

/** One Gateway the agent may (or may not) use. */
export interface ApiAgentGatewayAccess {
  gateway: ApiGatewaySummary;
  admitted: boolean;
  /** The access policy that admits (or refuses) the agent. */
  accessPolicy?: EntityRefInfo;
  /** Why the agent is not admitted, in words a developer understands. */
  reason?: string;
  models: ApiModelAccess[];
  conditions: Array<ApiCondition & { source: string }>;
}

/** GET /agents/:namespace/:name/access — per-agent access (SPEC section 4). */
export interface ApiAgentAccess {
  agent: EntityRefInfo;
  identity: ApiAgentIdentity;
  cluster: string;
  local?: boolean;
  gateways: ApiAgentGatewayAccess[];
}

/** POST /policies/:namespace/:kind/:name/dry-run */
export interface ApiDryRunResult {
  valid: boolean;
  problems: Array<{ path: string; message: string }>;
  objects: Array<Record<string, unknown>>;
  diff: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    action: 'create' | 'update' | 'delete' | 'unchanged';
    differences?: string[];
  }>;
}

/** POST /policies/:namespace/:kind/:name/reconcile */
export interface ApiReconcileResult {
  applied: number;
  pruned: number;
  unchanged: number;
  conditions: ApiCondition[];
}

/** One cluster in a reconcile pass. */
export interface ApiClusterPassReport {
  cluster: string;
  ok: boolean;
  error?: string;
  applied: number;
  unchanged: number;
  pruned: number;
  deleted: number;
  statusWrites: number;
  requests: number;
  writes: number;
}

/** The backend's last full reconcile pass. */
export interface ApiPassReport {
  startedAt: string;
  durationMs: number;
  policies: number;
  clusters: ApiClusterPassReport[];
}

/** GET /health */
export interface ApiHealth {
  status: 'ok';
  mode: 'embedded' | 'external';
  /**
   * Null until the first reconcile pass since the backend started has finished: until then the
   * backend knows no Gateway, policy status or admission, and empty answers mean "not yet", not
   * "none".
   */
  lastPass: ApiPassReport | null;
}
