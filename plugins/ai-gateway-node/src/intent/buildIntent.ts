import { isIP } from 'node:net';
import { dnsName } from '../naming/names';
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
  RoutingIntent,
  ServerCertificateMaterial,
  SubjectMatcher,
  TokenCountMode,
} from './types';
import {
  AI_GATEWAY_API_VERSION,
  CREDENTIAL_SECRET_KEYS,
  DEFAULT_TOKEN_COUNT_MODE,
  type AIAccessPolicy,
  type AIRoutingPolicy,
  type Problem,
  type PolicyMetadata,
} from '@kagenti/backstage-plugin-ai-gateway-common';

export type { Problem };

export type IntentResult<T> = { intent: T; problems: Problem[] };

function policyRef(
  kind: PolicyRef['kind'],
  metadata: PolicyMetadata,
): PolicyRef {
  return {
    apiVersion: AI_GATEWAY_API_VERSION,
    kind,
    name: metadata.name,
    namespace: metadata.namespace,
    uid: metadata.uid,
    generation: metadata.generation,
  };
}

const DNS_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses a provider endpoint URL; the port defaults to 443 for https and 80 for http. */
export function parseEndpoint(url: string): EndpointIntent | { error: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {
      error: `"${url}" is not a URL; write it like https://api.openai.com`,
    };
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') {
    return { error: `scheme "${scheme}" is not supported; use http or https` };
  }
  if (u.username || u.password || u.search || u.hash) {
    return { error: 'must not carry user info, a query or a fragment' };
  }
  const host = u.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const hostKind = isIP(host) ? 'ip' : 'fqdn';
  if (hostKind === 'fqdn' && !DNS_NAME.test(host)) {
    return {
      error: `host "${host}" is not a DNS name Envoy Gateway accepts (lowercase letters, digits, "-" and ".")`,
    };
  }
  const defaultPort = scheme === 'https' ? 443 : 80;
  const port = u.port ? Number(u.port) : defaultPort;
  const path = u.pathname.replace(/\/+$/, '');
  return {
    scheme,
    host,
    hostKind,
    port,
    ...(path ? { pathPrefix: path } : {}),
  };
}

type ModelRoute = AIRoutingPolicy['spec']['models'][number];
type Provider = AIRoutingPolicy['spec']['providers'][number];

function limitsOf(model: ModelRoute): LimitIntent[] {
  const rl = model.rateLimit;
  if (!rl) return [];
  const mode: TokenCountMode = rl.tokenCountMode ?? DEFAULT_TOKEN_COUNT_MODE;
  const out: LimitIntent[] = [];
  if (rl.requestsPerMinute !== undefined) {
    out.push({
      kind: 'requests',
      window: 'Minute',
      limit: rl.requestsPerMinute,
    });
  }
  const tokenWindows: Array<[number | undefined, LimitIntent['window']]> = [
    [rl.tokensPerHour, 'Hour'],
    [rl.tokensPerDay, 'Day'],
    [rl.tokensPerMonth, 'Month'],
  ];
  for (const [limit, window] of tokenWindows) {
    if (limit !== undefined)
      out.push({ kind: 'tokens', window, limit, tokenCountMode: mode });
  }
  return out;
}

function failoverOf(model: ModelRoute): FailoverIntent | undefined {
  const f = model.failover;
  if (!f) return undefined;
  const triggers: string[] = [];
  const httpStatusCodes: number[] = [];
  for (const item of f.retryOn) {
    if (typeof item === 'number') {
      if (!httpStatusCodes.includes(item)) httpStatusCodes.push(item);
    } else if (!triggers.includes(item)) {
      triggers.push(item);
    }
  }
  return {
    maxRetries: f.maxRetries,
    triggers,
    httpStatusCodes: httpStatusCodes.sort((a, b) => a - b),
  };
}

function credentialsOf(provider: Provider): CredentialsIntent | undefined {
  const c = provider.credentials;
  if (!c) return undefined;
  const type: CredentialType = c.type;
  return {
    type,
    ...(c.secretRef
      ? {
          secretName: c.secretRef.name,
          secretKey: CREDENTIAL_SECRET_KEYS[type],
        }
      : {}),
    ...('region' in c ? { region: c.region } : {}),
    ...('tenantId' in c ? { tenantId: c.tenantId, clientId: c.clientId } : {}),
    ...('projectName' in c ? { projectName: c.projectName } : {}),
  };
}

/**
 * Builds the routing intent of a validated AIRoutingPolicy (see `validatePolicyResource`).
 * Problems are what the policy schema cannot know: an https endpoint given as an IP address.
 */
export function buildRoutingIntent(
  policy: AIRoutingPolicy,
): IntentResult<RoutingIntent> {
  const problems: Problem[] = [];
  const ref = policyRef('AIRoutingPolicy', policy.metadata);
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
        name: p.schema,
        ...(p.schemaVersion ? { version: p.schemaVersion } : {}),
      },
      credentials: credentialsOf(p),
    });
  });
  const models: ModelIntent[] = policy.spec.models.map(m => {
    return {
      name: m.name,
      backends: m.backends.map(b => ({
        provider: b.provider,
        model: b.model,
        priority: b.priority,
        weight: b.weight,
      })),
      limits: limitsOf(m),
      failover: failoverOf(m),
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
        certificateRefs?: Array<{
          group?: string;
          kind?: string;
          name: string;
          namespace?: string;
        }>;
      };
    }>;
  };
  status?: {
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
    }>;
    listeners?: Array<{
      name: string;
      conditions?: Array<{
        type: string;
        status: string;
        reason?: string;
        message?: string;
      }>;
    }>;
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
    .filter(
      l =>
        l.protocol === 'HTTPS' && (l.tls?.mode ?? 'Terminate') === 'Terminate',
    )
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

/** Name of the managed server certificate Secret of access policy `<a>`: `<a>-mtls-server`. */
export function managedServerSecretName(policyName: string): string {
  return dnsName(policyName, 'mtls-server');
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
  policy: AIAccessPolicy,
  facts: AccessFacts = {},
): IntentResult<AccessIntent> {
  const ref = policyRef('AIAccessPolicy', policy.metadata);
  const mtls = policy.spec.mtls;
  const allowed: SubjectMatcher[] = (mtls.allowedSubjects ?? []).flatMap(s => {
    const out: SubjectMatcher[] = [];
    if (s.spiffeId) out.push({ type: 'Exact', value: s.spiffeId });
    if (s.spiffeIdPrefix) out.push({ type: 'Prefix', value: s.spiffeIdPrefix });
    return out;
  });
  const serverCertificate: AccessIntent['serverCertificate'] =
    mtls.serverCertRef
      ? { managed: false, secretName: mtls.serverCertRef.name }
      : {
          managed: true,
          secretName: managedServerSecretName(ref.name),
          ...(facts.serverCertificate
            ? { material: facts.serverCertificate }
            : {}),
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
