import { isIP } from 'node:net';
import type {
  AccessIntent,
  CredentialType,
  CredentialsIntent,
  EndpointIntent,
  FailoverIntent,
  LimitIntent,
  ModelIntent,
  PolicyRef,
  ProviderIntent,
  ProviderSchemaName,
  RoutingIntent,
  ServerCertificateMaterial,
  SubjectMatcher,
  TokenCountMode,
} from './types';
import type { AccessPolicyInput, PolicyMetadata, RoutingPolicyInput } from './policyInput';

/** A problem found while building or rendering, named by the policy field it comes from. */
export interface Problem {
  path: string;
  message: string;
}

export type IntentResult<T> = { intent: T; problems: Problem[] };

const API_VERSION = 'aigateway.kagenti.dev/v1alpha1';

/** The Secret key Envoy AI Gateway v1.1 reads for each credential type. */
export const CREDENTIAL_SECRET_KEYS: Record<CredentialType, string> = {
  APIKey: 'apiKey',
  AzureAPIKey: 'apiKey',
  AnthropicAPIKey: 'apiKey',
  AWSCredentials: 'credentials',
  AzureCredentials: 'client-secret',
  GCPCredentials: 'service_account.json',
};

const RETRY_TRIGGERS = new Set([
  'connect-failure',
  'reset',
  'reset-before-request',
  '5xx',
  'gateway-error',
  'refused-stream',
  'retriable-4xx',
  'retriable-status-codes',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

function policyRef(
  kind: PolicyRef['kind'],
  metadata: PolicyMetadata,
  apiVersion: string | undefined,
): PolicyRef {
  return {
    apiVersion: apiVersion ?? API_VERSION,
    kind,
    name: metadata.name,
    namespace: metadata.namespace ?? 'default',
    uid: metadata.uid,
    generation: metadata.generation,
  };
}

/** Parses a provider endpoint URL; the port defaults to 443 for https and 80 for http. */
export function parseEndpoint(url: string): EndpointIntent | { error: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { error: `"${url}" is not a URL; write it like https://api.openai.com` };
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') {
    return { error: `scheme "${scheme}" is not supported; use http or https` };
  }
  if (u.username || u.password || u.search || u.hash) {
    return { error: 'must not carry user info, a query or a fragment' };
  }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const hostKind = isIP(host) ? 'ip' : 'fqdn';
  const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : 80;
  const path = u.pathname.replace(/\/+$/, '');
  return {
    scheme,
    host,
    hostKind,
    port,
    ...(path ? { pathPrefix: path } : {}),
  };
}

function limitsOf(model: RoutingPolicyInput['spec']['models'][number]): LimitIntent[] {
  const rl = model.rateLimit;
  if (!rl) return [];
  const mode = (rl.tokenCountMode ?? 'TotalToken') as TokenCountMode;
  const out: LimitIntent[] = [];
  if (rl.requestsPerMinute !== undefined) {
    out.push({ kind: 'requests', window: 'Minute', limit: rl.requestsPerMinute });
  }
  const tokenWindows: Array<[number | undefined, LimitIntent['window']]> = [
    [rl.tokensPerHour, 'Hour'],
    [rl.tokensPerDay, 'Day'],
    [rl.tokensPerMonth, 'Month'],
  ];
  for (const [limit, window] of tokenWindows) {
    if (limit !== undefined) out.push({ kind: 'tokens', window, limit, tokenCountMode: mode });
  }
  return out;
}

function failoverOf(
  model: RoutingPolicyInput['spec']['models'][number],
  path: string,
  problems: Problem[],
): FailoverIntent | undefined {
  const f = model.failover;
  if (!f) return undefined;
  const triggers: string[] = [];
  const httpStatusCodes: number[] = [];
  (f.retryOn ?? []).forEach((item, i) => {
    const asNumber = typeof item === 'number' ? item : /^\d{3}$/.test(item) ? Number(item) : NaN;
    if (Number.isInteger(asNumber) && asNumber >= 100 && asNumber <= 599) {
      if (!httpStatusCodes.includes(asNumber)) httpStatusCodes.push(asNumber);
    } else if (typeof item === 'string' && RETRY_TRIGGERS.has(item)) {
      if (!triggers.includes(item)) triggers.push(item);
    } else {
      problems.push({
        path: `${path}.failover.retryOn[${i}]`,
        message: `"${item}" is neither an HTTP status code (100-599) nor an Envoy retry trigger (${[...RETRY_TRIGGERS].join(', ')})`,
      });
    }
  });
  return {
    maxRetries: f.maxRetries ?? 1,
    triggers,
    httpStatusCodes: httpStatusCodes.sort((a, b) => a - b),
  };
}

function credentialsOf(
  provider: RoutingPolicyInput['spec']['providers'][number],
  path: string,
  problems: Problem[],
): CredentialsIntent | undefined {
  const c = provider.credentials;
  if (!c) return undefined;
  const type = c.type as CredentialType;
  const wantedKey = CREDENTIAL_SECRET_KEYS[type];
  if (!wantedKey) {
    problems.push({ path: `${path}.credentials.type`, message: `unknown credential type "${c.type}"` });
    return undefined;
  }
  if (c.secretRef?.key !== undefined && c.secretRef.key !== wantedKey) {
    problems.push({
      path: `${path}.credentials.secretRef.key`,
      message: `Envoy AI Gateway reads ${type} credentials from the Secret key "${wantedKey}", not "${c.secretRef.key}"; rename the key in the Secret or drop this field`,
    });
  }
  const needsSecret = type !== 'AWSCredentials' && type !== 'GCPCredentials';
  if (needsSecret && !c.secretRef) {
    problems.push({
      path: `${path}.credentials.secretRef`,
      message: `${type} credentials need a secretRef to a Secret with the key "${wantedKey}"`,
    });
  }
  return {
    type,
    ...(c.secretRef ? { secretName: c.secretRef.name, secretKey: wantedKey } : {}),
    ...(c.region !== undefined ? { region: c.region } : {}),
    ...(c.tenantId !== undefined ? { tenantId: c.tenantId } : {}),
    ...(c.clientId !== undefined ? { clientId: c.clientId } : {}),
    ...(c.projectName !== undefined ? { projectName: c.projectName } : {}),
  };
}

/** Builds the routing intent of a validated AIRoutingPolicy. */
export function buildRoutingIntent(policy: RoutingPolicyInput): IntentResult<RoutingIntent> {
  const problems: Problem[] = [];
  const ref = policyRef('AIRoutingPolicy', policy.metadata, policy.apiVersion);
  const providers: ProviderIntent[] = [];
  policy.spec.providers.forEach((p, i) => {
    const path = `spec.providers[${i}]`;
    const endpoint = parseEndpoint(p.endpoint);
    if ('error' in endpoint) {
      problems.push({ path: `${path}.endpoint`, message: endpoint.error });
      return;
    }
    if (endpoint.scheme === 'https' && endpoint.hostKind === 'ip') {
      problems.push({
        path: `${path}.endpoint`,
        message: `an https endpoint needs a host name to verify the provider's certificate against; "${p.endpoint}" has an IP address`,
      });
    }
    providers.push({
      name: p.name,
      endpoint,
      endpointUrl: p.endpoint,
      schema: {
        name: p.schema as ProviderSchemaName,
        ...(p.schemaVersion ? { version: p.schemaVersion } : {}),
      },
      credentials: credentialsOf(p, path, problems),
    });
  });
  const known = new Set(policy.spec.providers.map(p => p.name));
  const models: ModelIntent[] = policy.spec.models.map((m, i) => {
    const path = `spec.models[${i}]`;
    m.backends.forEach((b, j) => {
      if (!known.has(b.provider)) {
        problems.push({
          path: `${path}.backends[${j}].provider`,
          message: `no provider named "${b.provider}" in spec.providers`,
        });
      }
    });
    return {
      name: m.name,
      backends: m.backends.map(b => ({
        provider: b.provider,
        model: b.model,
        priority: b.priority ?? 0,
        weight: b.weight ?? 1,
      })),
      limits: limitsOf(m),
      failover: failoverOf(m, path, problems),
    };
  });
  return {
    intent: {
      kind: 'routing',
      policy: ref,
      gateway: { name: policy.spec.targetRef.name, namespace: ref.namespace },
      providers,
      models,
    },
    problems,
  };
}

/** The Gateway as observed in the cluster (or read from a file by the CLI). */
export interface ObservedGateway {
  metadata: { name: string; namespace?: string };
  spec?: {
    listeners?: Array<{
      name: string;
      protocol: string;
      port?: number;
      hostname?: string;
      tls?: {
        mode?: string;
        certificateRefs?: Array<{ group?: string; kind?: string; name: string; namespace?: string }>;
      };
    }>;
  };
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    listeners?: Array<{ name: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> }>;
  };
}

/** Names of the Gateway's HTTPS listeners that serve the Secret `secretName` of `namespace`. */
export function httpsListenersServing(
  gateway: ObservedGateway,
  secretName: string,
  namespace: string,
): string[] {
  const gwNamespace = gateway.metadata.namespace ?? namespace;
  return (gateway.spec?.listeners ?? [])
    .filter(l => l.protocol === 'HTTPS' && (l.tls?.mode ?? 'Terminate') === 'Terminate')
    .filter(l =>
      (l.tls?.certificateRefs ?? []).some(
        r =>
          r.name === secretName &&
          (r.kind ?? 'Secret') === 'Secret' &&
          (r.group ?? '') === '' &&
          (r.namespace ?? gwNamespace) === namespace,
      ),
    )
    .map(l => l.name);
}

export function managedServerSecretName(policyName: string): string {
  return `${policyName}-mtls-server`;
}

export interface AccessFacts {
  /** Valid CA certificates from the trust bundle, PEM; absent when the bundle is not usable. */
  caBundlePem?: string;
  /** The Gateway, when observed; undefined offline. */
  gateway?: ObservedGateway;
  /** The managed server certificate to write (kept or newly generated by the caller). */
  serverCertificate?: ServerCertificateMaterial;
}

/** Builds the access intent of a validated AIAccessPolicy and what was observed for it. */
export function buildAccessIntent(
  policy: AccessPolicyInput,
  facts: AccessFacts = {},
): IntentResult<AccessIntent> {
  const ref = policyRef('AIAccessPolicy', policy.metadata, policy.apiVersion);
  const mtls = policy.spec.mtls;
  const allowed: SubjectMatcher[] = (mtls.allowedSubjects ?? []).flatMap(s => {
    const out: SubjectMatcher[] = [];
    if (s.spiffeId) out.push({ type: 'Exact', value: s.spiffeId });
    if (s.spiffeIdPrefix) out.push({ type: 'Prefix', value: s.spiffeIdPrefix });
    return out;
  });
  const serverCertificate: AccessIntent['serverCertificate'] = mtls.serverCertRef
    ? { managed: false, secretName: mtls.serverCertRef.name }
    : {
        managed: true,
        secretName: managedServerSecretName(ref.name),
        ...(facts.serverCertificate ? { material: facts.serverCertificate } : {}),
      };
  return {
    intent: {
      kind: 'access',
      policy: ref,
      gateway: { name: policy.spec.targetRef.name, namespace: ref.namespace },
      trustDomain: mtls.trustDomain,
      ...(facts.caBundlePem ? { caBundlePem: facts.caBundlePem } : {}),
      allowedSubjects: allowed.length
        ? allowed
        : [{ type: 'Prefix', value: `spiffe://${mtls.trustDomain}/` }],
      serverCertificate,
      ...(facts.gateway
        ? {
            listeners: httpsListenersServing(
              facts.gateway,
              serverCertificate.secretName,
              ref.namespace,
            ),
          }
        : {}),
    },
    problems: [],
  };
}
