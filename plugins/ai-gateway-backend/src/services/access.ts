import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  ApiAgentAccess,
  ApiAgentGatewayAccess,
  ApiCondition,
  ApiGatewaySummary,
  ApiModelAccess,
  ApiPolicyStatus,
  ApiPolicySummary,
  ApiRateLimit,
  EntityRefInfo,
  agentSpiffeId,
  parseSpiffeId,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { KubeObject } from '@kagenti/backstage-plugin-ai-gateway-node';
import { ClusterState, PolicyIndex, PolicyRecord } from './PolicyIndex';

export function entityInfo(entity: Entity): EntityRefInfo {
  return {
    entityRef: stringifyEntityRef(entity),
    kind: entity.kind,
    name: entity.metadata.name,
    ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
  };
}

function conditionsOf(obj?: KubeObject): ApiCondition[] {
  const list = (obj?.status as { conditions?: any[] } | undefined)?.conditions;
  return (list ?? []).map(c => ({
    type: String(c.type),
    status: c.status === 'True' || c.status === 'False' ? c.status : 'Unknown',
    reason: String(c.reason ?? ''),
    message: String(c.message ?? ''),
    ...(c.observedGeneration !== undefined
      ? { observedGeneration: c.observedGeneration }
      : {}),
    ...(c.lastTransitionTime
      ? { lastTransitionTime: c.lastTransitionTime }
      : {}),
  }));
}

function programmed(record: PolicyRecord): {
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
} {
  const c = conditionsOf(record.live).find(x => x.type === 'Programmed');
  if (!c)
    return {
      status: 'Unknown',
      reason: record.error ? 'Unreachable' : undefined,
    };
  return { status: c.status, reason: c.reason };
}

export function policySummary(
  record: PolicyRecord,
  local: boolean,
): ApiPolicySummary {
  const p = programmed(record);
  return {
    cluster: record.cluster,
    namespace: record.namespace,
    local,
    entity: entityInfo(record.entity),
    kind: record.kind,
    name: record.name,
    gateway: (record.resource as any).spec?.targetRef?.name ?? '',
    programmed: p.status,
    ...(p.reason ? { reason: p.reason } : {}),
  };
}

function httpsPort(gateway?: KubeObject): number {
  const listeners = (gateway?.spec as any)?.listeners ?? [];
  const https = listeners.find((l: any) => l.protocol === 'HTTPS');
  return https?.port ?? 8443;
}

function gatewayConditions(
  gw: KubeObject | undefined,
  reachable: boolean,
  cluster: string,
  namespace: string,
  name: string,
): ApiCondition[] {
  if (gw) return conditionsOf(gw);
  // Unreachable: nothing is known; reachable without the Gateway: say it is missing.
  if (!reachable) return [];
  return [
    {
      type: 'Accepted',
      status: 'False',
      reason: 'GatewayNotFound',
      message: `Gateway ${namespace}/${name} does not exist in cluster ${cluster}`,
    },
  ];
}

export function gatewaySummary(options: {
  cluster: string;
  namespace: string;
  name: string;
  local: boolean;
  state?: ClusterState;
  policies: PolicyRecord[];
}): ApiGatewaySummary {
  const { cluster, namespace, name, local, state, policies } = options;
  const gw = state?.gateways.get(`${namespace}/${name}`);
  const reachable = state?.reachable ?? false;
  return {
    cluster,
    namespace,
    local,
    name,
    endpoint: `https://${name}.${namespace}.svc:${httpsPort(gw)}`,
    conditions: gatewayConditions(gw, reachable, cluster, namespace, name),
    reachable,
    ...(state?.error ? { error: state.error } : {}),
    policies: policies.map(p => policySummary(p, local)),
  };
}

function limitsOf(rateLimit: any): ApiRateLimit[] {
  if (!rateLimit) return [];
  const out: ApiRateLimit[] = [];
  const mode = rateLimit.tokenCountMode ?? 'TotalToken';
  const windows: Array<[string, ApiRateLimit['window']]> = [
    ['tokensPerHour', 'Hour'],
    ['tokensPerDay', 'Day'],
    ['tokensPerMonth', 'Month'],
  ];
  for (const [field, window] of windows) {
    if (typeof rateLimit[field] === 'number') {
      out.push({
        kind: 'tokens',
        limit: rateLimit[field],
        window,
        tokenCountMode: mode,
      });
    }
  }
  if (typeof rateLimit.requestsPerMinute === 'number') {
    out.push({
      kind: 'requests',
      limit: rateLimit.requestsPerMinute,
      window: 'Minute',
    });
  }
  return out;
}

const modelsCache = new WeakMap<PolicyRecord, ApiModelAccess[]>();

/** The models a routing policy exposes, with readiness read from its status (cached per record). */
export function modelsOf(record: PolicyRecord): ApiModelAccess[] {
  let models = modelsCache.get(record);
  if (!models) {
    models = computeModels(record);
    modelsCache.set(record, models);
  }
  return models;
}

function computeModels(record: PolicyRecord): ApiModelAccess[] {
  const spec = (record.resource as any).spec ?? {};
  const status = (record.live?.status as any) ?? {};
  const providerSchema = new Map<string, string>(
    (spec.providers ?? []).map((p: any) => [p.name, p.schema]),
  );
  const providerReady = new Map<string, boolean>(
    (status.providers ?? []).map((p: any) => [p.name, p.ready]),
  );
  const modelStatus = new Map<string, any>(
    (status.models ?? []).map((m: any) => [m.name, m]),
  );
  const programmedTrue = programmed(record).status === 'True';
  return (spec.models ?? []).map((m: any) => {
    const ms = modelStatus.get(m.name);
    return {
      name: m.name,
      gateway: spec.targetRef?.name ?? '',
      policy: entityInfo(record.entity),
      backends: (m.backends ?? []).map((b: any) => ({
        provider: b.provider,
        schema: providerSchema.get(b.provider) ?? '',
        model: b.model,
        priority: b.priority ?? 0,
        weight: b.weight ?? 1,
        ...(providerReady.has(b.provider)
          ? { ready: providerReady.get(b.provider) }
          : {}),
      })),
      limits: limitsOf(m.rateLimit),
      ...(m.failover
        ? {
            failover: {
              retryOn: m.failover.retryOn ?? [],
              maxRetries: m.failover.maxRetries ?? 1,
            },
          }
        : {}),
      ready: ms ? Boolean(ms.ready) : programmedTrue,
      ...(ms?.message ? { message: ms.message } : {}),
    };
  });
}

function isLocal(cluster: string, locals: Set<string>) {
  return locals.has(cluster);
}

/**
 * Per-agent access (SPEC section 4), from the index only: every Gateway whose access policy
 * admits the agent's SPIFFE ID, with the models of the routing policies on it; Gateways in the
 * agent's own namespace that do not admit it are listed with the reason.
 */
export function agentAccess(
  agent: Entity,
  index: PolicyIndex,
  options: {
    defaultCluster?: string;
    localClusters: Set<string>;
    /** Policies the caller may read (by entity ref); the others are left out entirely. */
    visible?: (entityRef: string) => boolean;
  },
): ApiAgentAccess {
  const visible = options.visible ?? (() => true);
  const annotations = agent.metadata.annotations ?? {};
  const namespace =
    annotations[ANNOTATIONS.namespace] ?? agent.metadata.namespace ?? 'default';
  const serviceAccount =
    annotations[ANNOTATIONS.serviceAccount] ?? agent.metadata.name;
  const cluster =
    annotations[ANNOTATIONS.cluster] ?? options.defaultCluster ?? '';
  const override = annotations[ANNOTATIONS.spiffeId];
  const local = isLocal(cluster, options.localClusters);
  const state = index.cluster(cluster);

  const gateways: ApiAgentGatewayAccess[] = [];
  let identityTrustDomain: string | undefined;
  // The agent's SPIFFE ID per trust domain, parsed once: a cluster may hold thousands of access
  // policies but only a few trust domains.
  const idByDomain = new Map<
    string,
    { id: string; domain?: string; ok: boolean }
  >();
  const idFor = (trustDomain: string) => {
    let hit = idByDomain.get(trustDomain);
    if (!hit) {
      const id =
        override ?? agentSpiffeId(trustDomain, namespace, serviceAccount);
      const parsed = parseSpiffeId(id);
      hit = {
        id,
        ok: parsed.ok,
        domain: parsed.ok ? parsed.trustDomain : undefined,
      };
      idByDomain.set(trustDomain, hit);
    }
    return hit;
  };
  for (const access of index.accessPoliciesFor(
    cluster,
    namespace,
    domain => idFor(domain).id,
  )) {
    if (!visible(access.entityRef)) continue;
    const spec = (access.resource as any).spec;
    const trustDomain: string = spec.mtls.trustDomain;
    const subjects:
      | Array<{ spiffeId?: string; spiffeIdPrefix?: string }>
      | undefined = spec.mtls.allowedSubjects;
    const agentId = idFor(trustDomain);
    const spiffeId = agentId.id;
    // Same rule as spiffeIdAdmitted (trust domain, then exact or prefix subjects), inlined for speed.
    const admitted =
      agentId.ok &&
      agentId.domain === trustDomain &&
      (!subjects ||
        subjects.length === 0 ||
        subjects.some(sub =>
          sub.spiffeId !== undefined
            ? sub.spiffeId === spiffeId
            : sub.spiffeIdPrefix !== undefined &&
              spiffeId.startsWith(sub.spiffeIdPrefix),
        ));
    if (!admitted && access.namespace !== namespace) continue;
    if (admitted && !identityTrustDomain) identityTrustDomain = trustDomain;
    const gatewayName: string = spec.targetRef.name;
    const onGateway = index
      .policiesOnGateway(cluster, access.namespace, gatewayName)
      .filter(p => visible(p.entityRef));
    const routing = onGateway.filter(p => p.kind === 'AIRoutingPolicy');
    const gateway = gatewaySummary({
      cluster,
      namespace: access.namespace,
      name: gatewayName,
      local,
      state,
      policies: onGateway,
    });
    let reason: string | undefined;
    if (!admitted) {
      const parsed = parseSpiffeId(spiffeId);
      if (!parsed.ok) {
        reason = `The agent's SPIFFE ID ${spiffeId} is not valid: ${parsed.message}.`;
      } else if (parsed.trustDomain !== trustDomain) {
        reason = `The agent's SPIFFE ID is in trust domain ${parsed.trustDomain}; gateway ${gatewayName} only trusts ${trustDomain}.`;
      } else {
        reason = `Access policy ${access.name} allows only ${(subjects ?? [])
          .map((s: any) => s.spiffeId ?? `${s.spiffeIdPrefix}*`)
          .join(
            ', ',
          )}; add ${spiffeId} (or a prefix of it) to spec.mtls.allowedSubjects.`;
      }
    }
    const conditions: ApiAgentGatewayAccess['conditions'] = [
      ...gateway.conditions.map(c => ({
        ...c,
        source: `Gateway ${access.namespace}/${gatewayName}`,
      })),
      ...conditionsOf(access.live).map(c => ({
        ...c,
        source: `AIAccessPolicy ${access.name}`,
      })),
      ...routing.flatMap(r =>
        conditionsOf(r.live).map(c => ({
          ...c,
          source: `AIRoutingPolicy ${r.name}`,
        })),
      ),
    ];
    gateways.push({
      gateway,
      admitted,
      accessPolicy: entityInfo(access.entity),
      ...(reason ? { reason } : {}),
      models: admitted ? routing.flatMap(modelsOf) : [],
      conditions,
    });
  }
  const firstTrustDomain =
    identityTrustDomain ??
    (index.accessPolicies(cluster)[0]?.resource as any)?.spec?.mtls
      ?.trustDomain;
  const spiffeId =
    override ??
    (firstTrustDomain
      ? agentSpiffeId(firstTrustDomain, namespace, serviceAccount)
      : `spiffe://<trust-domain>/ns/${namespace}/sa/${serviceAccount}`);
  const parsed = parseSpiffeId(spiffeId);
  const identityDomain = parsed.ok ? parsed.trustDomain : firstTrustDomain;
  return {
    agent: entityInfo(agent),
    identity: {
      spiffeId,
      ...(identityDomain ? { trustDomain: identityDomain } : {}),
      namespace,
      serviceAccount,
    },
    cluster,
    local,
    gateways,
  };
}

/** A policy's status for the policy cards. */
export function policyStatus(
  record: PolicyRecord,
  local: boolean,
): ApiPolicyStatus {
  const spec = (record.resource as any).spec ?? {};
  const status = (record.live?.status as any) ?? {};
  const base: ApiPolicyStatus = {
    cluster: record.cluster,
    namespace: record.namespace,
    local,
    entity: entityInfo(record.entity),
    kind: record.kind,
    name: record.name,
    gateway: spec.targetRef?.name ?? '',
    ...(record.live?.metadata.generation !== undefined
      ? { generation: record.live.metadata.generation }
      : {}),
    conditions: record.problems
      ? [
          {
            type: 'Accepted',
            status: 'False',
            reason: 'InvalidSpec',
            message: record.problems.join('; '),
          },
        ]
      : conditionsOf(record.live),
    objects: record.objects.map(o => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.name,
      namespace: o.namespace,
      ...(o.accepted !== undefined ? { accepted: o.accepted } : {}),
      drift: o.drift,
      ...(o.differences ? { differences: o.differences } : {}),
    })),
    reachable: record.reachable,
    ...(record.error ? { error: record.error } : {}),
  };
  if (record.kind === 'AIRoutingPolicy') {
    const ready = new Map<string, any>(
      (status.providers ?? []).map((p: any) => [p.name, p]),
    );
    base.providers = (spec.providers ?? []).map((p: any) => ({
      name: p.name,
      schema: p.schema,
      endpoint: p.endpoint,
      ...(p.credentials
        ? {
            credentials: {
              type: p.credentials.type,
              ...(p.credentials.secretRef?.name
                ? { secretName: p.credentials.secretRef.name }
                : {}),
            },
          }
        : {}),
      ...(ready.has(p.name)
        ? {
            ready: Boolean(ready.get(p.name).ready),
            message: ready.get(p.name).message,
          }
        : {}),
    }));
    base.models = modelsOf(record);
  } else {
    base.trustDomain = spec.mtls?.trustDomain;
    base.allowedSubjects = spec.mtls?.allowedSubjects ?? [];
    if (status.bundle) {
      base.bundle = {
        certificates: status.bundle.certificates ?? 0,
        ...(status.bundle.earliestExpiry
          ? { earliestExpiry: status.bundle.earliestExpiry }
          : {}),
        ...(status.bundle.sequence !== undefined
          ? { sequence: status.bundle.sequence }
          : {}),
      };
    }
  }
  return base;
}
