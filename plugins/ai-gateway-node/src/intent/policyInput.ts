/*
 * The shape of the two policy resources as this package reads them (SPEC section 2). They are
 * validated by `@kagenti/backstage-plugin-ai-gateway-common` before they get here; these
 * structural types only name the fields the intent builders use, so a validated resource from
 * `-common` can be passed as it is.
 */

export interface PolicyMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface TargetRefInput {
  group?: string;
  kind?: string;
  name: string;
}

export interface SecretRefInput {
  name: string;
  key?: string;
}

export interface CredentialsInput {
  type: string;
  secretRef?: SecretRefInput;
  region?: string;
  tenantId?: string;
  clientId?: string;
  projectName?: string;
}

export interface ProviderInput {
  name: string;
  endpoint: string;
  schema: string;
  schemaVersion?: string;
  credentials?: CredentialsInput;
}

export interface ModelBackendInput {
  provider: string;
  model: string;
  priority?: number;
  weight?: number;
}

export interface RateLimitInput {
  tokensPerHour?: number;
  tokensPerDay?: number;
  tokensPerMonth?: number;
  tokenCountMode?: string;
  requestsPerMinute?: number;
}

export interface FailoverInput {
  retryOn?: Array<string | number>;
  maxRetries?: number;
}

export interface ModelInput {
  name: string;
  backends: ModelBackendInput[];
  rateLimit?: RateLimitInput;
  failover?: FailoverInput;
}

export interface RoutingPolicyInput {
  apiVersion?: string;
  kind?: string;
  metadata: PolicyMetadata;
  spec: {
    targetRef: TargetRefInput;
    providers: ProviderInput[];
    models: ModelInput[];
  };
}

export interface AllowedSubjectInput {
  spiffeId?: string;
  spiffeIdPrefix?: string;
}

export interface AccessPolicyInput {
  apiVersion?: string;
  kind?: string;
  metadata: PolicyMetadata;
  spec: {
    targetRef: TargetRefInput;
    mtls: {
      trustDomain: string;
      trustBundleConfigMap: { name: string; namespace?: string; key?: string };
      serverCertRef?: { name: string };
      allowedSubjects?: AllowedSubjectInput[];
    };
  };
}
