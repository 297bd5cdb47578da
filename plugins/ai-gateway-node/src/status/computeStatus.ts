import {
  ACCESS_POLICY_CONDITIONS,
  CONDITION_TYPES,
  CREDENTIAL_SECRET_KEYS,
  REASONS,
  ROUTING_POLICY_CONDITIONS,
  ROUTING_POLICY_KIND,
  formatProblem,
  type AccessPolicyStatus,
  type AIRoutingPolicy,
  type Condition,
  type ConditionType,
  type Problem,
  type RenderedResource,
  type RoutingPolicyStatus,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  buildRoutingIntent,
  httpsListenersServing,
  managedServerSecretName,
  type ObservedGateway,
} from '../intent/buildIntent';
import { objectKey, type KubernetesObject } from '../kubernetes';
import { MODEL_HEADER } from '../renderers/envoyAiGateway/apiVersions';
import {
  planRoutes,
  providerObjectName,
} from '../renderers/envoyAiGateway/renderRouting';
import {
  describeBundle,
  type TrustBundleResult,
} from '../trustBundle/parseTrustBundle';

/** A policy resource as read from the cluster (or a file): enough to compute its status. */
export interface PolicyLike {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
  };
  spec?: any;
  status?: { conditions?: Condition[]; [key: string]: unknown };
}

export type ObservedCondition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
};

/** Any object read back from the cluster: controllers write conditions in one of two places. */
export interface LiveObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  status?: {
    conditions?: ObservedCondition[];
    ancestors?: Array<{ conditions?: ObservedCondition[] }>;
  };
}

export interface ObservedState {
  /** The target Gateway; undefined when it does not exist. */
  gateway?: ObservedGateway;
  /** Rendered objects as read back from the cluster (with the controllers' status). */
  liveObjects?: LiveObject[];
  /**
   * Secrets in the cluster by `namespace/name` with their key names (never values). Undefined when
   * not observed (offline): credential Secrets are then not checked.
   */
  secretKeys?: Map<string, { keys: string[] }>;
  /** Every policy of both kinds that may share the Gateway (the policy itself may be among them). */
  policies?: PolicyLike[];
  /** Access policies: the trust bundle as parsed for this pass. */
  bundle?: TrustBundleResult;
  /** Access policies: why the managed server certificate could not be generated. */
  certificateError?: string;
}

export interface ComputeStatusInput {
  policy: PolicyLike;
  /** Everything wrong with the policy: schema, intent and render problems. */
  problems?: Problem[];
  /** The objects rendered for the policy (empty when it was not rendered). */
  objects: KubernetesObject[];
  /** Apply failures by object key `apiVersion/kind/namespace/name`. */
  applyErrors?: Map<string, string>;
  observed: ObservedState;
  now: Date;
}

export type PolicyStatus = (RoutingPolicyStatus | AccessPolicyStatus) & {
  observedGeneration?: number;
  conditions: Condition[];
  resources: RenderedResource[];
};

interface Verdict {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

const ok = (reason: string, message: string): Verdict => ({
  status: 'True',
  reason,
  message,
});
const bad = (reason: string, message: string): Verdict => ({
  status: 'False',
  reason,
  message,
});

/**
 * What a controller said about an object. Envoy AI Gateway writes one condition whose type is
 * `Accepted` or `NotAccepted`; Envoy Gateway and Gateway API policies write `Accepted` per
 * ancestor. Undefined when nothing was reported yet.
 */
export function acceptance(
  live: LiveObject | undefined,
): { accepted: boolean; message: string } | undefined {
  if (!live?.status) return undefined;
  const conds = [
    ...(live.status.conditions ?? []),
    ...(live.status.ancestors ?? []).flatMap(a => a.conditions ?? []),
  ];
  const rejected = conds.find(
    c =>
      c.type === 'NotAccepted' ||
      (c.type === 'Accepted' && c.status === 'False'),
  );
  if (rejected)
    return {
      accepted: false,
      message: rejected.message ?? rejected.reason ?? '',
    };
  const accepted = conds.find(
    c => c.type === 'Accepted' && c.status === 'True',
  );
  return accepted
    ? { accepted: true, message: accepted.message ?? '' }
    : undefined;
}

function timeOf(p: PolicyLike): number {
  const t = p.metadata.creationTimestamp
    ? Date.parse(p.metadata.creationTimestamp)
    : NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** Oldest first (creationTimestamp, then name): the order in which conflicts are won. */
export function comparePolicyAge(a: PolicyLike, b: PolicyLike): number {
  return (
    timeOf(a) - timeOf(b) || a.metadata.name.localeCompare(b.metadata.name)
  );
}

function sameGateway(a: PolicyLike, b: PolicyLike): boolean {
  return (
    (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '') &&
    a.spec?.targetRef?.name === b.spec?.targetRef?.name
  );
}

function isSelf(a: PolicyLike, b: PolicyLike): boolean {
  return (
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '')
  );
}

function conflict(
  policy: PolicyLike,
  others: PolicyLike[],
): string | undefined {
  const rivals = others
    .filter(
      o =>
        o.kind === policy.kind && !isSelf(o, policy) && sameGateway(o, policy),
    )
    .filter(o => comparePolicyAge(o, policy) < 0)
    .sort(comparePolicyAge);
  const gw = policy.spec?.targetRef?.name;
  const ns = policy.metadata.namespace ?? '';
  if (policy.kind !== ROUTING_POLICY_KIND) {
    const winner = rivals[0];
    return winner
      ? `Gateway ${gw} already has AIAccessPolicy ${ns}/${winner.metadata.name}, which is older and wins; a Gateway takes one access policy: merge the two`
      : undefined;
  }
  const mine: string[] = (policy.spec?.models ?? []).map(
    (m: { name: string }) => m.name,
  );
  const clashes: string[] = [];
  for (const model of mine) {
    const winner = rivals.find(r =>
      (r.spec?.models ?? []).some((m: { name: string }) => m.name === model),
    );
    if (winner) {
      clashes.push(
        `model "${model}" is also exposed by AIRoutingPolicy ${ns}/${winner.metadata.name}, which is older and wins`,
      );
    }
  }
  if (clashes.length) {
    return `${clashes.join('; ')}; rename or remove the model in one policy`;
  }
  return nameClash(policy, others);
}

/**
 * Object names of a routing policy: `<r>-<p>` and the route names. Two policies of one namespace
 * can meet (`a` with provider `b-c` and `a-b` with provider `c`); the older one keeps the name.
 */
export function routingObjectNames(policy: PolicyLike): Set<string> {
  const names = new Set<string>();
  try {
    const { intent } = buildRoutingIntent(policy as AIRoutingPolicy);
    for (const p of intent.providers)
      names.add(`provider/${providerObjectName(intent.policy.name, p.name)}`);
    for (const r of planRoutes(intent)) names.add(`route/${r.name}`);
  } catch {
    // A policy too broken to name its objects renders nothing, so it cannot clash.
  }
  return names;
}

function nameClash(
  policy: PolicyLike,
  others: PolicyLike[],
): string | undefined {
  const ns = policy.metadata.namespace ?? '';
  const older = others
    .filter(o => o.kind === ROUTING_POLICY_KIND && !isSelf(o, policy))
    .filter(
      o =>
        (o.metadata.namespace ?? '') === ns && comparePolicyAge(o, policy) < 0,
    )
    .sort(comparePolicyAge);
  // Naming a policy's objects builds its intent: only when there is an older one to meet.
  if (older.length === 0) return undefined;
  const mine = routingObjectNames(policy);
  for (const o of older) {
    const shared = [...routingObjectNames(o)].filter(n => mine.has(n));
    if (shared.length) {
      const what = shared
        .map(n =>
          n.replace(/^provider\//, 'objects ').replace(/^route\//, 'route '),
        )
        .join(', ');
      return `${what} would also be written for AIRoutingPolicy ${ns}/${o.metadata.name}, which is older and wins; rename the policy or a provider`;
    }
  }
  return undefined;
}

function acceptedVerdict(input: ComputeStatusInput): Verdict {
  const problems = input.problems ?? [];
  if (problems.length) {
    return bad(REASONS.InvalidSpec, problems.map(formatProblem).join('; '));
  }
  const clash = conflict(input.policy, input.observed.policies ?? []);
  if (clash) return bad(REASONS.Conflicted, clash);
  return ok(REASONS.Valid, 'the policy is valid');
}

function gatewayVerdict(
  policy: PolicyLike,
  gateway: ObservedGateway | undefined,
): Verdict {
  const name = `${policy.metadata.namespace ?? ''}/${
    policy.spec?.targetRef?.name
  }`;
  if (!gateway) {
    return bad(
      REASONS.GatewayNotFound,
      `Gateway ${name} not found: create it or fix spec.targetRef.name`,
    );
  }
  const conds = gateway.status?.conditions ?? [];
  const accepted = conds.find(c => c.type === 'Accepted');
  if (accepted?.status !== 'True') {
    const why = accepted
      ? `${accepted.reason ?? ''}: ${accepted.message ?? ''}`
      : 'no Accepted condition yet';
    return bad(
      REASONS.GatewayNotAccepted,
      `Gateway ${name} is not accepted by its controller (${why})`,
    );
  }
  const programmed = conds.find(c => c.type === 'Programmed');
  // Programmed stays False without a load-balancer address, which in-cluster callers do not need.
  const note =
    programmed?.status === 'True'
      ? 'programmed'
      : `not programmed (${
          programmed?.reason ?? 'no condition yet'
        }); in-cluster traffic is unaffected`;
  return ok(REASONS.Bound, `bound to Gateway ${name}, accepted and ${note}`);
}

function objectsFailing(
  objects: KubernetesObject[],
  input: ComputeStatusInput,
  live: Map<string, LiveObject>,
): { applyFailed: string[]; rejected: string[]; pending: number } {
  const applyFailed: string[] = [];
  const rejected: string[] = [];
  let pending = 0;
  for (const o of objects) {
    const k = objectKey(o);
    const err = input.applyErrors?.get(k);
    if (err) {
      applyFailed.push(`${o.kind} ${o.metadata.name}: ${err}`);
      continue;
    }
    const verdict = acceptance(live.get(k));
    if (verdict && !verdict.accepted)
      rejected.push(`${o.kind} ${o.metadata.name}: ${verdict.message}`);
    if (!verdict) pending++;
  }
  return { applyFailed, rejected, pending };
}

interface Readiness {
  name: string;
  ready: boolean;
  message?: string;
  reason?: string;
}

function providerReadiness(
  input: ComputeStatusInput,
  live: Map<string, LiveObject>,
): Readiness[] {
  const { policy } = input;
  const ns = policy.metadata.namespace ?? '';
  return (policy.spec?.providers ?? []).map((p: any): Readiness => {
    const objectName = providerObjectName(policy.metadata.name, p.name);
    const mine = input.objects.filter(
      o =>
        o.metadata.name === objectName &&
        o.kind !== 'AIGatewayRoute' &&
        o.kind !== 'BackendTrafficPolicy',
    );
    const secretName: string | undefined = p.credentials?.secretRef?.name;
    if (secretName && input.observed.secretKeys) {
      const wanted =
        CREDENTIAL_SECRET_KEYS[
          p.credentials.type as keyof typeof CREDENTIAL_SECRET_KEYS
        ];
      const secret = input.observed.secretKeys.get(`${ns}/${secretName}`);
      if (!secret) {
        return {
          name: p.name,
          ready: false,
          reason: REASONS.CredentialSecretNotFound,
          message: `Secret ${ns}/${secretName} not found; create it with the key "${wanted}"`,
        };
      }
      if (!secret.keys.includes(wanted)) {
        return {
          name: p.name,
          ready: false,
          reason: REASONS.CredentialKeyMissing,
          message: `Secret ${ns}/${secretName} has no key "${wanted}" (has: ${
            secret.keys.join(', ') || 'none'
          })`,
        };
      }
    }
    if (!mine.length) {
      return {
        name: p.name,
        ready: false,
        reason: REASONS.ApplyFailed,
        message: 'not rendered',
      };
    }
    const f = objectsFailing(mine, input, live);
    if (f.applyFailed.length)
      return {
        name: p.name,
        ready: false,
        reason: REASONS.ApplyFailed,
        message: f.applyFailed.join('; '),
      };
    if (f.rejected.length)
      return {
        name: p.name,
        ready: false,
        reason: REASONS.ApplyFailed,
        message: `not accepted: ${f.rejected.join('; ')}`,
      };
    return {
      name: p.name,
      ready: true,
      message: `${p.schema} at ${p.endpoint}`,
    };
  });
}

function providersVerdict(providers: Readiness[]): Verdict {
  const total = providers.length;
  const ready = providers.filter(p => p.ready).length;
  const failing = providers.filter(p => !p.ready);
  const detail = failing.map(p => `${p.name}: ${p.message}`).join('; ');
  if (!failing.length)
    return ok(REASONS.Configured, `${ready}/${total} providers configured`);
  if (ready > 0)
    return bad(
      REASONS.PartialFailure,
      `${ready}/${total} providers configured; ${detail}`,
    );
  return bad(
    failing[0].reason ?? REASONS.ApplyFailed,
    `0/${total} providers configured; ${detail}`,
  );
}

function routesOf(objects: KubernetesObject[]): KubernetesObject[] {
  return objects.filter(o => o.kind === 'AIGatewayRoute');
}

function routeModels(route: KubernetesObject): string[] {
  const rules: any[] = (route as any).spec?.rules ?? [];
  return rules.flatMap(r =>
    (r.matches ?? []).flatMap((m: any) =>
      (m.headers ?? [])
        .filter((h: any) => h.name === MODEL_HEADER)
        .map((h: any) => h.value),
    ),
  );
}

function routingVerdict(
  input: ComputeStatusInput,
  live: Map<string, LiveObject>,
): Verdict {
  const routes = routesOf(input.objects);
  if (!routes.length)
    return bad(
      REASONS.ApplyFailed,
      'no route was applied: the policy is not rendered (see Accepted)',
    );
  const routeObjects = input.objects.filter(
    o => o.kind === 'AIGatewayRoute' || o.kind === 'BackendTrafficPolicy',
  );
  const f = objectsFailing(routeObjects, input, live);
  if (f.applyFailed.length)
    return bad(REASONS.ApplyFailed, f.applyFailed.join('; '));
  if (f.rejected.length)
    return bad(REASONS.RouteNotAccepted, f.rejected.join('; '));
  const names = routes.map(r => r.metadata.name).join(', ');
  return ok(
    REASONS.Applied,
    f.pending
      ? `applied ${names}; the controllers have not reported on ${f.pending} object(s) yet`
      : `${names} accepted`,
  );
}

function modelReadiness(
  input: ComputeStatusInput,
  providers: Readiness[],
  live: Map<string, LiveObject>,
): Readiness[] {
  const readyProviders = new Set(
    providers.filter(p => p.ready).map(p => p.name),
  );
  // The first route naming each model, read once rather than once per model.
  const routeOf = new Map<string, KubernetesObject>();
  for (const r of routesOf(input.objects)) {
    for (const model of routeModels(r)) {
      if (!routeOf.has(model)) routeOf.set(model, r);
    }
  }
  return (input.policy.spec?.models ?? []).map((m: any): Readiness => {
    const route = routeOf.get(m.name);
    if (!route) return { name: m.name, ready: false, message: 'not rendered' };
    const f = objectsFailing(
      input.objects.filter(
        o =>
          o.metadata.name === route.metadata.name &&
          (o.kind === 'AIGatewayRoute' || o.kind === 'BackendTrafficPolicy'),
      ),
      input,
      live,
    );
    if (f.applyFailed.length || f.rejected.length) {
      return {
        name: m.name,
        ready: false,
        message: [...f.applyFailed, ...f.rejected].join('; '),
      };
    }
    const backends: string[] = (m.backends ?? []).map((b: any) => b.provider);
    const up = backends.filter(b => readyProviders.has(b));
    if (!up.length)
      return {
        name: m.name,
        ready: false,
        message: `no provider ready (${backends.join(', ')})`,
      };
    const down = backends.filter(b => !readyProviders.has(b));
    return {
      name: m.name,
      ready: true,
      message: `via AIGatewayRoute ${route.metadata.name}${
        down.length ? `; not ready: ${down.join(', ')}` : ''
      }`,
    };
  });
}

function bundleVerdict(bundle: TrustBundleResult | undefined): Verdict {
  if (!bundle)
    return bad(REASONS.BundleNotFound, 'the trust bundle was not read');
  return bundle.ok
    ? ok(REASONS.Loaded, describeBundle(bundle))
    : bad(bundle.reason, bundle.message);
}

function listenerToAdd(secretName: string): string {
  return `{name: https, protocol: HTTPS, port: 8443, tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: ${secretName}}]}}`;
}

function mtlsVerdict(
  input: ComputeStatusInput,
  live: Map<string, LiveObject>,
): Verdict {
  const { policy, observed } = input;
  const mtls = policy.spec?.mtls ?? {};
  if (observed.certificateError) {
    return bad(
      REASONS.CertGenerationFailed,
      `the server certificate could not be generated: ${observed.certificateError}`,
    );
  }
  const secretName: string =
    mtls.serverCertRef?.name ?? managedServerSecretName(policy.metadata.name);
  const ns = policy.metadata.namespace ?? '';
  if (!observed.gateway) {
    return {
      status: 'Unknown',
      reason: REASONS.GatewayNotFound,
      message: `Gateway ${ns}/${policy.spec?.targetRef?.name} not found`,
    };
  }
  const listeners = httpsListenersServing(observed.gateway, secretName, ns);
  if (!listeners.length) {
    return bad(
      REASONS.ListenerNotHTTPS,
      `Gateway ${ns}/${
        observed.gateway.metadata.name
      } has no HTTPS listener serving Secret ${secretName}; add a listener such as ${listenerToAdd(
        secretName,
      )}`,
    );
  }
  const f = objectsFailing(input.objects, input, live);
  if (f.applyFailed.length)
    return bad(REASONS.ApplyFailed, f.applyFailed.join('; '));
  if (f.rejected.length)
    return bad(REASONS.ApplyFailed, `not accepted: ${f.rejected.join('; ')}`);
  if (!input.objects.some(o => o.kind === 'ClientTrafficPolicy')) {
    return bad(
      REASONS.ApplyFailed,
      'no ClientTrafficPolicy was applied: the policy is not rendered (see Accepted)',
    );
  }
  return ok(
    REASONS.Applied,
    `client certificates required on listener(s) ${listeners.join(', ')}`,
  );
}

/** Condition messages stay readable (Kubernetes allows 32768 characters). */
const MAX_MESSAGE = 4096;

function condition(
  type: string,
  v: Verdict,
  generation: number | undefined,
  previous: Condition[] | undefined,
  now: Date,
): Condition {
  const before = previous?.find(c => c.type === type);
  return {
    type,
    status: v.status,
    reason: v.reason,
    message:
      v.message.length > MAX_MESSAGE
        ? `${v.message.slice(0, MAX_MESSAGE - 1)}…`
        : v.message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime:
      before && before.status === v.status
        ? before.lastTransitionTime
        : now.toISOString(),
  };
}

/**
 * The full status of a policy (SPEC section 2) from what was rendered and observed: every
 * condition of its kind with observedGeneration, `Programmed` as the aggregate (the first failing
 * condition's reason), readiness per provider and model or the bundle summary, and the rendered
 * resources with the controllers' verdict. `lastTransitionTime` only moves when a status does.
 * Pure: the clock is `now`.
 */
export function computeStatus(input: ComputeStatusInput): PolicyStatus {
  const { policy, observed, now } = input;
  const routing = policy.kind === ROUTING_POLICY_KIND;
  const live = new Map(
    (observed.liveObjects ?? []).map(o => [objectKey(o), o] as const),
  );
  const verdicts = new Map<ConditionType, Verdict>();
  verdicts.set(CONDITION_TYPES.Accepted, acceptedVerdict(input));
  verdicts.set(
    CONDITION_TYPES.GatewayBound,
    gatewayVerdict(policy, observed.gateway),
  );
  let extra: Record<string, unknown> = {};
  if (routing) {
    const providers = providerReadiness(input, live);
    verdicts.set(
      CONDITION_TYPES.ProvidersConfigured,
      providersVerdict(providers),
    );
    verdicts.set(CONDITION_TYPES.RoutingActive, routingVerdict(input, live));
    extra = {
      providers: providers.map(({ name, ready, message }) => ({
        name,
        ready,
        ...(message ? { message } : {}),
      })),
      models: modelReadiness(input, providers, live).map(
        ({ name, ready, message }) => ({
          name,
          ready,
          ...(message ? { message } : {}),
        }),
      ),
    };
  } else {
    verdicts.set(CONDITION_TYPES.BundleReady, bundleVerdict(observed.bundle));
    verdicts.set(CONDITION_TYPES.MTLSActive, mtlsVerdict(input, live));
    const b = observed.bundle;
    extra = {
      bundle: b?.ok
        ? {
            certificates: b.certificates.length,
            earliestExpiry: b.earliestExpiry,
            ...(b.sequence !== undefined ? { sequence: b.sequence } : {}),
          }
        : { certificates: 0 },
    };
  }
  const order = routing ? ROUTING_POLICY_CONDITIONS : ACCESS_POLICY_CONDITIONS;
  const firstFailing = order
    .filter(t => t !== CONDITION_TYPES.Programmed)
    .map(t => [t, verdicts.get(t)!] as const)
    .find(([, v]) => v.status !== 'True');
  verdicts.set(
    CONDITION_TYPES.Programmed,
    firstFailing
      ? bad(
          firstFailing[1].reason,
          `${firstFailing[0]}: ${firstFailing[1].message}`,
        )
      : ok(REASONS.Programmed, 'every part of the policy is in effect'),
  );
  const generation = policy.metadata.generation;
  const previous = policy.status?.conditions;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: order.map(t =>
      condition(t, verdicts.get(t)!, generation, previous, now),
    ),
    ...extra,
    resources: input.objects.map(o => {
      const verdict = acceptance(live.get(objectKey(o)));
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        ...(verdict ? { accepted: verdict.accepted } : {}),
      };
    }),
  } as PolicyStatus;
}
