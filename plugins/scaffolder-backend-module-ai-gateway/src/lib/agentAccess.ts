import {
  ACCESS_POLICY_KIND,
  agentSpiffeId,
  parseSpiffeId,
  spiffeIdAdmitted,
  type SpiffeSubject,
  type ValidatedPolicyEntity,
} from '@kagenti/backstage-plugin-ai-gateway-common';

/** A Gateway as the catalog describes it. */
export interface GatewayInfo {
  name: string;
  namespace: string;
  cluster: string;
  entityRef?: string;
}

/** A valid policy entity and where it lives. */
export interface PolicyInfo {
  entityRef: string;
  policy: ValidatedPolicyEntity;
  cluster: string;
}

export interface AgentIdentityInput {
  namespace: string;
  serviceAccount: string;
  cluster: string;
  /** The `aigateway.kagenti.dev/spiffe-id` annotation. */
  spiffeIdOverride?: string;
}

export interface GatewayAccess {
  name: string;
  namespace: string;
  cluster: string;
  entityRef?: string;
  /** In-cluster endpoint, e.g. https://ai-gateway.team1.svc:8443. */
  endpoint: string;
  /** The OpenAI-compatible base URL (endpoint + /v1). */
  baseUrl: string;
  admitted: boolean;
  accessPolicy?: string;
  trustDomain?: string;
  reason?: string;
  /** Models of the routing policies on the Gateway (empty when not admitted). */
  models: string[];
}

export interface AgentAccessResult {
  spiffeId: string;
  trustDomain?: string;
  gateways: GatewayAccess[];
}

/** The HTTPS port Kagenti's AI gateways listen on (the backend reads the live listener). */
export const DEFAULT_GATEWAY_PORT = 8443;

export function gatewayEndpoint(name: string, namespace: string): string {
  return `https://${name}.${namespace}.svc:${DEFAULT_GATEWAY_PORT}`;
}

function onGateway(p: PolicyInfo, g: GatewayInfo) {
  return (
    p.cluster === g.cluster &&
    p.policy.namespace === g.namespace &&
    p.policy.spec.targetRef.name === g.name
  );
}

function subjectsText(subjects: readonly SpiffeSubject[]) {
  return subjects.map(s => s.spiffeId ?? `${s.spiffeIdPrefix}*`).join(', ');
}

/**
 * What the policies in the catalog grant an agent (desired state, SPEC section 4): per Gateway,
 * whether its access policy admits the agent's SPIFFE ID and which models its routing policies
 * expose. Pure; the AI Access tab adds the live readiness read from the cluster.
 */
export function computeAgentAccess(options: {
  agent: AgentIdentityInput;
  gateways: GatewayInfo[];
  policies: PolicyInfo[];
  /** A new access policy the template is about to publish for the (only) Gateway. */
  proposedTrustDomain?: string;
}): AgentAccessResult {
  const { agent, gateways, policies, proposedTrustDomain } = options;
  const results: GatewayAccess[] = [];
  let identityTrustDomain: string | undefined;
  for (const g of gateways) {
    const endpoint = gatewayEndpoint(g.name, g.namespace);
    const base = {
      name: g.name,
      namespace: g.namespace,
      cluster: g.cluster,
      ...(g.entityRef ? { entityRef: g.entityRef } : {}),
      endpoint,
      baseUrl: `${endpoint}/v1`,
    };
    const here = policies.filter(p => onGateway(p, g));
    // Several access policies on one Gateway conflict; the oldest wins, which the catalog cannot
    // tell, so the first by name stands in (the reconciler reports the conflict).
    const access = here
      .filter(p => p.policy.kind === ACCESS_POLICY_KIND)
      .sort((a, b) => a.policy.name.localeCompare(b.policy.name))[0];
    const models = [
      ...new Set(
        here.flatMap(p =>
          p.policy.kind === ACCESS_POLICY_KIND
            ? []
            : p.policy.spec.models.map(m => m.name),
        ),
      ),
    ];
    let trustDomain: string | undefined;
    let subjects: readonly SpiffeSubject[] | undefined;
    if (access && access.policy.kind === ACCESS_POLICY_KIND) {
      trustDomain = access.policy.spec.mtls.trustDomain;
      subjects = access.policy.spec.mtls.allowedSubjects;
    } else if (proposedTrustDomain) {
      trustDomain = proposedTrustDomain;
    }
    if (!trustDomain) {
      results.push({
        ...base,
        admitted: false,
        reason: `Gateway ${g.namespace}/${g.name} has no AIAccessPolicy yet, so it admits no agent by SPIFFE ID; create one with the AI access policy template.`,
        models: [],
      });
      continue;
    }
    const spiffeId =
      agent.spiffeIdOverride ??
      agentSpiffeId(trustDomain, agent.namespace, agent.serviceAccount);
    const admitted = spiffeIdAdmitted(spiffeId, trustDomain, subjects);
    let reason: string | undefined;
    if (!admitted) {
      const parsed = parseSpiffeId(spiffeId);
      if (!parsed.ok) {
        reason = `The agent's SPIFFE ID ${spiffeId} is not valid: ${parsed.message}.`;
      } else if (parsed.trustDomain !== trustDomain) {
        reason = `The agent's SPIFFE ID is in trust domain ${parsed.trustDomain}; Gateway ${g.name} trusts only ${trustDomain}.`;
      } else {
        reason = `Access policy ${
          access?.policy.name
        } allows only ${subjectsText(
          subjects ?? [],
        )}; add "spiffeId: ${spiffeId}" (or a prefix of it) to its spec.mtls.allowedSubjects.`;
      }
    } else if (!identityTrustDomain) {
      identityTrustDomain = trustDomain;
    }
    results.push({
      ...base,
      admitted,
      ...(access ? { accessPolicy: access.entityRef } : {}),
      trustDomain,
      ...(reason ? { reason } : {}),
      models: admitted ? models : [],
    });
  }
  const trustDomain =
    identityTrustDomain ?? results.find(r => r.trustDomain)?.trustDomain;
  const spiffeId =
    agent.spiffeIdOverride ??
    (trustDomain
      ? agentSpiffeId(trustDomain, agent.namespace, agent.serviceAccount)
      : `spiffe://<trust-domain>/ns/${agent.namespace}/sa/${agent.serviceAccount}`);
  return {
    spiffeId,
    ...(trustDomain ? { trustDomain } : {}),
    gateways: results,
  };
}
