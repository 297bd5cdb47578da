import type { Problem } from '../../intent/buildIntent';
import type {
  FailoverIntent,
  LimitIntent,
  ModelIntent,
  ProviderIntent,
  RoutingIntent,
  TokenCountMode,
} from '../../intent/types';
import { dnsName, ruleNameFor } from '../../naming/names';
import type { KubernetesObject } from '../../kubernetes';
import type { RenderOptions } from '../Renderer';
import {
  AI_GATEWAY_GROUP,
  API,
  COST_METADATA_NAMESPACE,
  ENVOY_GATEWAY_GROUP,
  GATEWAY_API_GROUP,
  MAX_RATE_LIMIT,
  MAX_RULES_PER_ROUTE,
  MODEL_HEADER,
} from './apiVersions';
import { objectMeta } from './objectMeta';

/** Metadata keys Envoy AI Gateway fills with each token count, one per mode in use. */
export const COST_METADATA_KEYS: Record<TokenCountMode, string> = {
  InputToken: 'llm_input_token',
  OutputToken: 'llm_output_token',
  TotalToken: 'llm_total_token',
};

const TOKEN_MODES: TokenCountMode[] = [
  'InputToken',
  'OutputToken',
  'TotalToken',
];

/** Name of the objects rendered for provider `p` of routing policy `r`: `<r>-<p>`. */
export function providerObjectName(
  policyName: string,
  providerName: string,
): string {
  return dnsName(policyName, providerName);
}

/** Name of the i-th (0-based) AIGatewayRoute of a policy: `<r>`, `<r>-2`, `<r>-3`, … */
export function routeName(policyName: string, index: number): string {
  return index === 0
    ? dnsName(policyName)
    : dnsName(policyName, String(index + 1));
}

/** One AIGatewayRoute's worth of models, all with the same failover settings. */
export interface RoutePlan {
  name: string;
  models: ModelIntent[];
  failover?: FailoverIntent;
}

function failoverKey(f: FailoverIntent | undefined): string {
  if (!f) return 'none';
  return JSON.stringify([
    f.maxRetries,
    [...f.triggers].sort(),
    [...f.httpStatusCodes].sort(),
  ]);
}

/**
 * Splits the models into routes: retries are configured per route (the BackendTrafficPolicy
 * targets the generated HTTPRoute), so models with different failover settings never share one,
 * and a route holds at most 15 rules. Groups keep the order of their first model.
 */
export function planRoutes(intent: RoutingIntent): RoutePlan[] {
  const groups = new Map<string, ModelIntent[]>();
  for (const m of intent.models) {
    const key = failoverKey(m.failover);
    const list = groups.get(key) ?? [];
    list.push(m);
    groups.set(key, list);
  }
  const plans: RoutePlan[] = [];
  for (const models of groups.values()) {
    for (let i = 0; i < models.length; i += MAX_RULES_PER_ROUTE) {
      const chunk = models.slice(i, i + MAX_RULES_PER_ROUTE);
      plans.push({
        name: routeName(intent.policy.name, plans.length),
        models: chunk,
        failover: chunk[0].failover,
      });
    }
  }
  return plans;
}

function renderProvider(
  intent: RoutingIntent,
  p: ProviderIntent,
  options: RenderOptions,
): KubernetesObject[] {
  const name = providerObjectName(intent.policy.name, p.name);
  const meta = () => objectMeta(intent.policy, name, options);
  const { endpoint } = p;
  const out: KubernetesObject[] = [
    {
      ...API.backend,
      metadata: meta(),
      spec: {
        endpoints: [
          endpoint.hostKind === 'ip'
            ? { ip: { address: endpoint.host, port: endpoint.port } }
            : { fqdn: { hostname: endpoint.host, port: endpoint.port } },
        ],
      },
    },
  ];
  if (endpoint.scheme === 'https' && endpoint.hostKind === 'fqdn') {
    out.push({
      ...API.backendTLSPolicy,
      metadata: meta(),
      spec: {
        targetRefs: [{ group: ENVOY_GATEWAY_GROUP, kind: 'Backend', name }],
        validation: {
          hostname: endpoint.host,
          wellKnownCACertificates: 'System',
        },
      },
    });
  }
  out.push({
    ...API.aiServiceBackend,
    metadata: meta(),
    spec: {
      schema: {
        name: p.schema.name,
        ...(p.schema.version ? { version: p.schema.version } : {}),
        ...(endpoint.pathPrefix ? { prefix: endpoint.pathPrefix } : {}),
      },
      backendRef: { group: ENVOY_GATEWAY_GROUP, kind: 'Backend', name },
    },
  });
  const security = securitySubObject(p);
  if (security) {
    out.push({
      ...API.backendSecurityPolicy,
      metadata: meta(),
      spec: {
        targetRefs: [
          { group: AI_GATEWAY_GROUP, kind: 'AIServiceBackend', name },
        ],
        type: p.credentials!.type,
        ...security,
      },
    });
  }
  return out;
}

/** Exactly the BackendSecurityPolicy sub-object of the credential type (a CEL rule upstream). */
function securitySubObject(
  p: ProviderIntent,
): Record<string, unknown> | undefined {
  const c = p.credentials;
  if (!c) return undefined;
  const secretRef = c.secretName
    ? { secretRef: { name: c.secretName } }
    : undefined;
  switch (c.type) {
    case 'APIKey':
      return secretRef && { apiKey: secretRef };
    case 'AzureAPIKey':
      return secretRef && { azureAPIKey: secretRef };
    case 'AnthropicAPIKey':
      return secretRef && { anthropicAPIKey: secretRef };
    case 'AWSCredentials':
      return {
        awsCredentials: {
          region: c.region,
          ...(secretRef ? { credentialsFile: secretRef } : {}),
        },
      };
    case 'AzureCredentials':
      return c.secretName
        ? {
            azureCredentials: {
              clientID: c.clientId,
              tenantID: c.tenantId,
              clientSecretRef: { name: c.secretName },
            },
          }
        : undefined;
    case 'GCPCredentials':
      return {
        gcpCredentials: {
          projectName: c.projectName,
          region: c.region,
          ...(secretRef ? { credentialsFile: secretRef } : {}),
        },
      };
    default:
      return undefined;
  }
}

function inRange(l: LimitIntent): boolean {
  return l.limit >= 1 && l.limit <= MAX_RATE_LIMIT && Number.isInteger(l.limit);
}

function tokenModesOf(models: ModelIntent[]): TokenCountMode[] {
  const used = new Set<TokenCountMode>();
  for (const m of models) {
    for (const l of m.limits) {
      if (l.kind === 'tokens' && inRange(l)) used.add(l.tokenCountMode);
    }
  }
  return TOKEN_MODES.filter(mode => used.has(mode));
}

function renderRoute(
  intent: RoutingIntent,
  plan: RoutePlan,
  options: RenderOptions,
): KubernetesObject {
  const modes = tokenModesOf(plan.models);
  return {
    ...API.aiGatewayRoute,
    metadata: objectMeta(intent.policy, plan.name, options),
    spec: {
      parentRefs: [
        {
          group: GATEWAY_API_GROUP,
          kind: 'Gateway',
          name: intent.gateway.name,
        },
      ],
      rules: plan.models.map(m => ({
        name: ruleNameFor(m.name),
        matches: [
          { headers: [{ type: 'Exact', name: MODEL_HEADER, value: m.name }] },
        ],
        backendRefs: m.backends.map(b => ({
          name: providerObjectName(intent.policy.name, b.provider),
          modelNameOverride: b.model,
          priority: b.priority,
          weight: b.weight,
        })),
      })),
      ...(modes.length
        ? {
            llmRequestCosts: modes.map(mode => ({
              metadataKey: COST_METADATA_KEYS[mode],
              type: mode,
            })),
          }
        : {}),
    },
  };
}

function rateLimitRule(model: ModelIntent, limit: LimitIntent) {
  const rule: Record<string, unknown> = {
    clientSelectors: [
      { headers: [{ type: 'Exact', name: MODEL_HEADER, value: model.name }] },
    ],
    limit: { requests: limit.limit, unit: limit.window },
  };
  if (limit.kind === 'tokens') {
    // Check the budget when the request arrives, charge the tokens when the response is known.
    rule.cost = {
      request: { from: 'Number', number: 0 },
      response: {
        from: 'Metadata',
        metadata: {
          namespace: COST_METADATA_NAMESPACE,
          key: COST_METADATA_KEYS[limit.tokenCountMode],
        },
      },
    };
  }
  return rule;
}

const LIMIT_FIELDS: Record<string, string> = {
  'requests/Minute': 'requestsPerMinute',
  'tokens/Hour': 'tokensPerHour',
  'tokens/Day': 'tokensPerDay',
  'tokens/Month': 'tokensPerMonth',
};

function renderTrafficPolicy(
  intent: RoutingIntent,
  plan: RoutePlan,
  options: RenderOptions,
  problems: Problem[],
): KubernetesObject | undefined {
  const rules: unknown[] = [];
  for (const m of plan.models) {
    for (const l of m.limits) {
      if (!inRange(l)) {
        const index = intent.models.indexOf(m);
        problems.push({
          path: `spec.models[${index}].rateLimit.${
            LIMIT_FIELDS[`${l.kind}/${l.window}`]
          }`,
          message: `must be a whole number between 1 and ${MAX_RATE_LIMIT} (the largest counter Envoy Gateway accepts); use a shorter window for larger budgets`,
        });
        continue;
      }
      rules.push(rateLimitRule(m, l));
    }
  }
  const spec: Record<string, unknown> = {
    targetRefs: [
      { group: GATEWAY_API_GROUP, kind: 'HTTPRoute', name: plan.name },
    ],
  };
  if (rules.length) spec.rateLimit = { global: { rules } };
  const f = plan.failover;
  if (f) {
    const multiPriority = plan.models.some(
      m => new Set(m.backends.map(b => b.priority)).size > 1,
    );
    const triggers = [...f.triggers];
    // Envoy retries on listed status codes only with this trigger set.
    if (
      f.httpStatusCodes.length &&
      !triggers.includes('retriable-status-codes')
    ) {
      triggers.push('retriable-status-codes');
    }
    spec.retry = {
      numRetries: f.maxRetries,
      // One attempt per priority: a retry goes to the next fallback provider, not the same one.
      ...(multiPriority ? { numAttemptsPerPriority: 1 } : {}),
      ...(triggers.length || f.httpStatusCodes.length
        ? {
            retryOn: {
              ...(triggers.length ? { triggers } : {}),
              ...(f.httpStatusCodes.length
                ? { httpStatusCodes: f.httpStatusCodes }
                : {}),
            },
          }
        : {}),
    };
  }
  if (!spec.rateLimit && !spec.retry) return undefined;
  return {
    ...API.backendTrafficPolicy,
    metadata: objectMeta(intent.policy, plan.name, options),
    spec,
  };
}

/** Renders a routing intent: per provider, then per route. */
export function renderRouting(
  intent: RoutingIntent,
  options: RenderOptions = {},
): { objects: KubernetesObject[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const objects: KubernetesObject[] = [];
  for (const p of intent.providers)
    objects.push(...renderProvider(intent, p, options));
  for (const plan of planRoutes(intent)) {
    objects.push(renderRoute(intent, plan, options));
    const btp = renderTrafficPolicy(intent, plan, options, problems);
    if (btp) objects.push(btp);
  }
  return { objects, problems };
}
