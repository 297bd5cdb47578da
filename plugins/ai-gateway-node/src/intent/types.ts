import type {
  CredentialType,
  ProviderSchema,
  TokenCountMode,
} from '@kagenti/backstage-plugin-ai-gateway-common';

/*
 * The intent: what a policy asks for, resolved and normalised, independent of any proxy.
 * Renderers turn it into objects; nothing here knows about Envoy AI Gateway.
 */

/** The policy an intent comes from; rendered objects are owned by it. */
export interface PolicyRef {
  apiVersion: string;
  kind: 'AIRoutingPolicy' | 'AIAccessPolicy';
  name: string;
  namespace: string;
  /** Needed for ownerReferences; absent offline (CLI), where a placeholder is used. */
  uid?: string;
  generation?: number;
}

export interface GatewayRef {
  name: string;
  namespace: string;
}

export type ProviderSchemaName = ProviderSchema;

export interface EndpointIntent {
  scheme: 'http' | 'https';
  host: string;
  /** `ip` for IPv4/IPv6 literals, `fqdn` otherwise. */
  hostKind: 'fqdn' | 'ip';
  port: number;
  /** The URL path when it is not `/`, e.g. `/v1beta/openai`. */
  pathPrefix?: string;
}

export type { CredentialType, TokenCountMode };

export interface CredentialsIntent {
  type: CredentialType;
  /** The Secret holding the credential, in the policy namespace; absent = ambient identity. */
  secretName?: string;
  /** The Secret key Envoy AI Gateway reads for this type. */
  secretKey?: string;
  region?: string;
  tenantId?: string;
  clientId?: string;
  projectName?: string;
}

export interface ProviderIntent {
  name: string;
  endpoint: EndpointIntent;
  /** The endpoint as written in the policy, for messages. */
  endpointUrl: string;
  schema: { name: ProviderSchemaName; version?: string };
  credentials?: CredentialsIntent;
}

export type LimitWindow = 'Minute' | 'Hour' | 'Day' | 'Month';

export type LimitIntent =
  | { kind: 'requests'; window: LimitWindow; limit: number }
  | {
      kind: 'tokens';
      window: LimitWindow;
      limit: number;
      tokenCountMode: TokenCountMode;
    };

export interface FailoverIntent {
  maxRetries: number;
  /** Envoy retry triggers, e.g. `connect-failure`. */
  triggers: string[];
  httpStatusCodes: number[];
}

export interface ModelBackendIntent {
  provider: string;
  model: string;
  priority: number;
  weight: number;
}

export interface ModelIntent {
  /** The virtual model name clients send. */
  name: string;
  backends: ModelBackendIntent[];
  limits: LimitIntent[];
  failover?: FailoverIntent;
}

export interface RoutingIntent {
  kind: 'routing';
  policy: PolicyRef;
  gateway: GatewayRef;
  providers: ProviderIntent[];
  models: ModelIntent[];
}

export interface SubjectMatcher {
  type: 'Exact' | 'Prefix';
  value: string;
}

/** A server certificate the caller generated or kept (see `decideServerCertificate`). */
export interface ServerCertificateMaterial {
  certPem: string;
  keyPem: string;
}

export type ServerCertificateIntent =
  | { managed: true; secretName: string; material?: ServerCertificateMaterial }
  | { managed: false; secretName: string };

export interface AccessIntent {
  kind: 'access';
  policy: PolicyRef;
  gateway: GatewayRef;
  trustDomain: string;
  /** Valid CA certificates as PEM; absent when the bundle could not be read. */
  caBundlePem?: string;
  allowedSubjects: SubjectMatcher[];
  serverCertificate: ServerCertificateIntent;
  /**
   * HTTPS listeners of the Gateway serving the server certificate. Undefined when the Gateway was
   * not observed (offline rendering): the policy then targets the whole Gateway.
   */
  listeners?: string[];
}

export type Intent = RoutingIntent | AccessIntent;
