/*
 * Simulated controllers for the local default (never for tests of real controller behaviour): they write
 * the status a Gateway controller, Envoy AI Gateway and Envoy Gateway would write, and say in every
 * condition message that it is a simulation.
 */
import crypto from 'node:crypto';
import type { ApiCore } from './api';
import { groupResource, ResourceType } from './resources';
import { deepEqual } from './validation';

type Obj = Record<string, any>;

export const SIMULATION_NOTE =
  '(simulated by kube-server; no data plane is running)';
const MANAGER = 'kube-server-simulator';
const EG_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

const GW = 'gateway.networking.k8s.io';
const EG = 'gateway.envoyproxy.io';
const AIG = 'aigateway.envoyproxy.io';

const WATCHED = new Set([
  groupResource(GW, 'gateways'),
  groupResource(GW, 'httproutes'),
  groupResource(GW, 'backendtlspolicies'),
  groupResource(EG, 'backends'),
  groupResource(EG, 'backendtrafficpolicies'),
  groupResource(EG, 'clienttrafficpolicies'),
  groupResource(EG, 'securitypolicies'),
  groupResource(AIG, 'aigatewayroutes'),
  groupResource(AIG, 'aiservicebackends'),
  groupResource(AIG, 'backendsecuritypolicies'),
  'secrets',
  'services',
  'deployments.apps',
  'replicasets.apps',
  'pods',
]);

/** The `pod-template-hash` of a Deployment's pod template (stable, not the real FNV hash). */
export function templateHash(template: unknown): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

/** A Running pod status for the containers of `spec`, as a kubelet would report it. */
export function runningPodStatus(spec: Obj, startedAt: string): Obj {
  return {
    phase: 'Running',
    podIP: `10.244.0.${crypto.randomInt(2, 250)}`,
    hostIP: '10.0.0.1',
    startTime: startedAt,
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      type => ({ type, status: 'True', lastTransitionTime: startedAt }),
    ),
    containerStatuses: (spec.containers ?? []).map((c: Obj) => ({
      name: c.name,
      ready: true,
      started: true,
      restartCount: 0,
      image: c.image,
      imageID: '',
      state: { running: { startedAt } },
    })),
  };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Keeps lastTransitionTime when a condition's status did not change, as controllers do. */
function mergeConditions(old: Obj[] | undefined, next: Obj[]): Obj[] {
  return next.map(c => {
    const prev = (old ?? []).find(o => o.type === c.type);
    return {
      ...c,
      lastTransitionTime:
        prev && prev.status === c.status ? prev.lastTransitionTime : now(),
    };
  });
}

function cond(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  generation?: number,
): Obj {
  return {
    type,
    status: ok ? 'True' : 'False',
    reason,
    message: `${message} ${SIMULATION_NOTE}`,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

/** Starts the simulated controllers; returns a function that stops them. */
export function startSimulation(
  api: ApiCore,
  log?: (line: string) => void,
): () => void {
  const pending = new Set<string>();
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const namespaces = [...pending];
    pending.clear();
    for (const ns of namespaces) {
      try {
        reconcileNamespace(api, ns, log);
      } catch (e) {
        log?.(`simulation: ${(e as Error).message}`);
      }
    }
  };
  const unsubscribe = api.store.subscribe(e => {
    if (!WATCHED.has(e.gr) || !e.object.metadata.namespace) return;
    if (
      e.type === 'MODIFIED' &&
      e.old &&
      deepEqual(
        { ...e.old, status: null, metadata: null },
        { ...e.object, status: null, metadata: null },
      )
    ) {
      // A status-only write (most likely ours) needs no reconcile, unless labels or annotations changed.
      if (deepEqual(e.old.metadata.labels, e.object.metadata.labels)) return;
    }
    pending.add(e.object.metadata.namespace);
    if (!scheduled) {
      scheduled = true;
      setImmediate(run);
    }
  });
  // Reconcile what already exists (loaded from disk or seeded before the simulation started).
  const nsType = api.registry.get('', 'namespaces');
  if (nsType)
    for (const n of api.list(nsType, undefined)) pending.add(n.metadata.name);
  if (pending.size) {
    scheduled = true;
    setImmediate(run);
  }
  return unsubscribe;
}

function typeOf(
  api: ApiCore,
  group: string,
  plural: string,
): ResourceType | undefined {
  return api.registry.get(group, plural);
}

function writeStatus(
  api: ApiCore,
  t: ResourceType,
  obj: Obj,
  status: Obj,
  log?: (l: string) => void,
) {
  if (deepEqual(obj.status, status)) return;
  const version = obj.apiVersion.split('/').pop();
  try {
    api.update(
      t,
      version,
      obj.metadata.namespace,
      obj.metadata.name,
      { ...obj, status },
      { manager: MANAGER },
      'status',
    );
  } catch (e) {
    log?.(
      `simulation: could not write status of ${t.kind} ${
        obj.metadata.namespace
      }/${obj.metadata.name}: ${(e as Error).message}`,
    );
  }
}

function exists(
  api: ApiCore,
  group: string,
  plural: string,
  ns: string,
  name: string | undefined,
): boolean {
  const t = typeOf(api, group, plural);
  return !!t && !!name && !!api.tryGet(t, ns, name);
}

const owner = (o: Obj) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});
const ownedBy = (o: Obj, uid: string) =>
  (o.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === uid);

function randomSuffix(): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from(
    { length: 5 },
    () => chars[crypto.randomInt(chars.length)],
  ).join('');
}

/** Deployment → ReplicaSet (per template hash) → Running pods, with the statuses the Backstage UI reads. */
function reconcileDeployments(
  api: ApiCore,
  ns: string,
  log?: (l: string) => void,
) {
  const dType = api.registry.get('apps', 'deployments')!;
  const rsType = api.registry.get('apps', 'replicasets')!;
  const podType = api.registry.get('', 'pods')!;
  const ctx = { manager: MANAGER, keepStatus: true };
  for (const d of api.list(dType, ns)) {
    if (d.metadata.deletionTimestamp) continue;
    const replicas: number = d.spec?.replicas ?? 1;
    const hash = templateHash(d.spec?.template);
    const owned = api
      .list(rsType, ns)
      .filter(rs => ownedBy(rs, d.metadata.uid));
    let rs = owned.find(r => r.metadata.labels?.['pod-template-hash'] === hash);
    for (const old of owned)
      if (old !== rs) api.delete(rsType, ns, old.metadata.name, {}, ctx);
    const labels = {
      ...(d.spec?.template?.metadata?.labels ?? {}),
      'pod-template-hash': hash,
    };
    if (!rs) {
      rs = api.create(
        rsType,
        'v1',
        ns,
        {
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            labels,
            ownerReferences: [owner(d)],
          },
          spec: {
            replicas,
            selector: {
              matchLabels: {
                ...(d.spec?.selector?.matchLabels ?? {}),
                'pod-template-hash': hash,
              },
            },
            template: {
              ...d.spec?.template,
              metadata: { ...d.spec?.template?.metadata, labels },
            },
          },
        },
        ctx,
      );
    } else if (rs.spec?.replicas !== replicas) {
      rs = api.patch(
        rsType,
        'v1',
        ns,
        rs.metadata.name,
        'application/merge-patch+json',
        JSON.stringify({ spec: { replicas } }),
        ctx,
      ).object;
    }
    const pods = api
      .list(podType, ns)
      .filter(p => ownedBy(p, rs!.metadata.uid));
    for (const extra of pods.slice(replicas))
      api.delete(podType, ns, extra.metadata.name, {}, ctx);
    const startedAt = now();
    for (let i = pods.length; i < replicas; i++) {
      const spec = rs.spec?.template?.spec ?? {};
      api.create(
        podType,
        'v1',
        ns,
        {
          metadata: {
            name: `${rs.metadata.name}-${randomSuffix()}`,
            labels,
            ownerReferences: [owner(rs)],
          },
          spec: { nodeName: 'kube-server-node', ...spec },
          status: runningPodStatus(spec, startedAt),
        },
        ctx,
      );
    }
    const n = replicas;
    const rsStatus = {
      replicas: n,
      fullyLabeledReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      observedGeneration: rs.metadata.generation,
    };
    writeStatus(api, rsType, rs, rsStatus, log);
    const message = `ReplicaSet "${rs.metadata.name}" has successfully progressed. ${SIMULATION_NOTE}`;
    const conditions = mergeConditions(d.status?.conditions, [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: `Deployment has minimum availability. ${SIMULATION_NOTE}`,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message,
      },
    ]).map(c => ({ ...c, lastUpdateTime: c.lastTransitionTime }));
    writeStatus(
      api,
      dType,
      d,
      {
        observedGeneration: d.metadata.generation,
        replicas: n,
        updatedReplicas: n,
        readyReplicas: n,
        availableReplicas: n,
        conditions,
      },
      log,
    );
  }
}

function reconcileNamespace(
  api: ApiCore,
  ns: string,
  log?: (l: string) => void,
) {
  try {
    reconcileDeployments(api, ns, log);
  } catch (e) {
    log?.(`simulation: deployments in ${ns}: ${(e as Error).message}`);
  }
  const gwType = typeOf(api, GW, 'gateways');
  const routesFor = (gwName: string) => {
    let n = 0;
    for (const [g, p] of [
      [GW, 'httproutes'],
      [AIG, 'aigatewayroutes'],
    ] as const) {
      const t = typeOf(api, g, p);
      if (!t) continue;
      for (const r of api.list(t, ns)) {
        const parents: Obj[] = r.spec?.parentRefs ?? r.spec?.targetRefs ?? [];
        if (
          parents.some(
            pr => pr.name === gwName && (!pr.kind || pr.kind === 'Gateway'),
          )
        )
          n++;
      }
    }
    return n;
  };
  if (gwType) {
    for (const gw of api.list(gwType, ns)) {
      const gen = gw.metadata.generation;
      const listeners = (gw.spec?.listeners ?? []).map((l: Obj) => {
        const missing = (l.tls?.certificateRefs ?? [])
          .filter(
            (r: Obj) =>
              (!r.kind || r.kind === 'Secret') &&
              !exists(api, '', 'secrets', r.namespace ?? ns, r.name),
          )
          .map((r: Obj) => r.name);
        const ok = missing.length === 0;
        const kinds =
          l.protocol === 'TCP'
            ? [{ group: GW, kind: 'TCPRoute' }]
            : [
                { group: GW, kind: 'HTTPRoute' },
                { group: GW, kind: 'GRPCRoute' },
              ];
        return {
          name: l.name,
          supportedKinds: kinds,
          attachedRoutes: routesFor(gw.metadata.name),
          conditions: mergeConditions(
            (gw.status?.listeners ?? []).find((o: Obj) => o.name === l.name)
              ?.conditions,
            [
              cond(
                'Accepted',
                true,
                'Accepted',
                'Listener has been successfully translated.',
                gen,
              ),
              cond(
                'Programmed',
                ok,
                ok ? 'Programmed' : 'Invalid',
                ok
                  ? 'Sending translated listener configuration to the data plane.'
                  : `Listener is invalid, see other conditions.`,
                gen,
              ),
              cond(
                'ResolvedRefs',
                ok,
                ok ? 'ResolvedRefs' : 'InvalidCertificateRef',
                ok
                  ? 'Listener references have been resolved.'
                  : `Secret ${ns}/${missing.join(', ')} does not exist.`,
                gen,
              ),
            ],
          ),
        };
      });
      const status: Obj = {
        addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
        conditions: mergeConditions(gw.status?.conditions, [
          cond(
            'Accepted',
            true,
            'Accepted',
            'The Gateway has been scheduled by Envoy Gateway.',
            gen,
          ),
          cond(
            'Programmed',
            true,
            'Programmed',
            'Address assigned to the Gateway, 1/1 envoy replicas available.',
            gen,
          ),
        ]),
        ...(listeners.length ? { listeners } : {}),
      };
      writeStatus(api, gwType, gw, status, log);
    }
  }

  const aiStatus = (obj: Obj, problem: string | undefined): Obj => ({
    conditions: mergeConditions(obj.status?.conditions, [
      problem
        ? {
            type: 'NotAccepted',
            status: 'False',
            reason: 'NotAccepted',
            message: `${problem} ${SIMULATION_NOTE}`,
          }
        : {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: `${obj.kind} reconciled successfully ${SIMULATION_NOTE}`,
          },
    ]),
  });

  const asbType = typeOf(api, AIG, 'aiservicebackends');
  if (asbType) {
    for (const b of api.list(asbType, ns)) {
      const ref = b.spec?.backendRef ?? {};
      const isBackend = (ref.group ?? '') === EG && ref.kind === 'Backend';
      const found = isBackend
        ? exists(api, EG, 'backends', ref.namespace ?? ns, ref.name)
        : exists(api, '', 'services', ref.namespace ?? ns, ref.name);
      writeStatus(
        api,
        asbType,
        b,
        aiStatus(
          b,
          found
            ? undefined
            : `backendRef ${isBackend ? 'Backend' : 'Service'} ${
                ref.namespace ?? ns
              }/${ref.name} not found`,
        ),
        log,
      );
    }
  }

  const bspType = typeOf(api, AIG, 'backendsecuritypolicies');
  if (bspType) {
    for (const p of api.list(bspType, ns)) {
      const problems: string[] = [];
      const walk = (v: unknown, key: string) => {
        if (Array.isArray(v)) v.forEach(x => walk(x, key));
        else if (v && typeof v === 'object') {
          const o = v as Obj;
          if (
            /secretref$/i.test(key) &&
            typeof o.name === 'string' &&
            !exists(api, '', 'secrets', o.namespace ?? ns, o.name)
          ) {
            problems.push(`Secret ${o.namespace ?? ns}/${o.name} not found`);
          }
          for (const [k, x] of Object.entries(o)) walk(x, k);
        }
      };
      walk(p.spec, 'spec');
      for (const tr of p.spec?.targetRefs ?? []) {
        if (
          (tr.kind ?? 'AIServiceBackend') === 'AIServiceBackend' &&
          !exists(api, AIG, 'aiservicebackends', ns, tr.name)
        ) {
          problems.push(`target AIServiceBackend ${ns}/${tr.name} not found`);
        }
      }
      writeStatus(
        api,
        bspType,
        p,
        aiStatus(p, problems.length ? problems.join('; ') : undefined),
        log,
      );
    }
  }

  const routeType = typeOf(api, AIG, 'aigatewayroutes');
  if (routeType) {
    for (const r of api.list(routeType, ns)) {
      const missing = new Set<string>();
      for (const rule of r.spec?.rules ?? []) {
        for (const br of rule.backendRefs ?? []) {
          if (br.kind && br.kind !== 'AIServiceBackend') continue;
          if (
            !exists(api, AIG, 'aiservicebackends', br.namespace ?? ns, br.name)
          )
            missing.add(`${br.namespace ?? ns}/${br.name}`);
        }
      }
      writeStatus(
        api,
        routeType,
        r,
        aiStatus(
          r,
          missing.size
            ? `AIServiceBackend ${[...missing].join(', ')} not found`
            : undefined,
        ),
        log,
      );
    }
  }

  const policyTypes = [
    typeOf(api, EG, 'backendtrafficpolicies'),
    typeOf(api, EG, 'clienttrafficpolicies'),
    typeOf(api, EG, 'securitypolicies'),
    typeOf(api, GW, 'backendtlspolicies'),
  ];
  for (const pt of policyTypes) {
    if (!pt) continue;
    for (const p of api.list(pt, ns)) {
      const targets: Obj[] = [
        ...(p.spec?.targetRefs ?? []),
        ...(p.spec?.targetRef ? [p.spec.targetRef] : []),
      ];
      const ancestors: Obj[] = [];
      for (const tr of targets) {
        for (const anc of ancestorsOf(api, pt, tr, ns)) {
          if (ancestors.some(a => deepEqual(a.ancestorRef, anc.ref))) continue;
          const old = (p.status?.ancestors ?? []).find((a: Obj) =>
            deepEqual(a.ancestorRef, anc.ref),
          );
          ancestors.push({
            ancestorRef: anc.ref,
            controllerName: EG_CONTROLLER,
            conditions: mergeConditions(old?.conditions, [
              cond(
                'Accepted',
                anc.found,
                anc.found ? 'Accepted' : 'Invalid',
                anc.found
                  ? 'Policy has been accepted.'
                  : `Target ${tr.kind} ${ns}/${tr.name} not found.`,
                p.metadata.generation,
              ),
            ]),
          });
        }
      }
      writeStatus(api, pt, p, { ancestors: ancestors.slice(0, 16) }, log);
    }
  }
}

/** The Gateway API "ancestors" of a policy target: the Gateway itself, or the parents of a route. */
function ancestorsOf(
  api: ApiCore,
  policyType: ResourceType,
  tr: Obj,
  ns: string,
): Array<{ ref: Obj; found: boolean }> {
  const gwRef = (name: string, sectionName?: string) => ({
    group: GW,
    kind: 'Gateway',
    name,
    namespace: ns,
    ...(sectionName ? { sectionName } : {}),
  });
  if (tr.kind === 'Gateway')
    return [
      {
        ref: gwRef(tr.name, tr.sectionName),
        found: exists(api, GW, 'gateways', ns, tr.name),
      },
    ];
  if (tr.kind === 'HTTPRoute' || tr.kind === 'GRPCRoute') {
    // Envoy AI Gateway generates an HTTPRoute named after each AIGatewayRoute; either carries the parents.
    for (const [g, p] of [
      [GW, 'httproutes'],
      [AIG, 'aigatewayroutes'],
    ] as const) {
      const t = api.registry.get(g, p);
      const route = t && api.tryGet(t, ns, tr.name);
      const parents: Obj[] = route
        ? route.spec?.parentRefs ?? route.spec?.targetRefs ?? []
        : [];
      if (route && parents.length)
        return parents.map(pr => ({
          ref: gwRef(pr.name, pr.sectionName),
          found: true,
        }));
    }
    return [
      {
        ref: { group: GW, kind: tr.kind, name: tr.name, namespace: ns },
        found: false,
      },
    ];
  }
  if (policyType.plural === 'backendtlspolicies') {
    const gwType = api.registry.get(GW, 'gateways');
    const gateways = gwType ? api.list(gwType, ns) : [];
    const targetFound =
      tr.kind === 'Backend'
        ? exists(api, EG, 'backends', ns, tr.name)
        : exists(api, '', 'services', ns, tr.name);
    if (gateways.length)
      return gateways.map(g => ({
        ref: gwRef(g.metadata.name),
        found: targetFound,
      }));
    return [
      {
        ref: {
          group: tr.group ?? '',
          kind: tr.kind ?? 'Service',
          name: tr.name,
          namespace: ns,
        },
        found: targetFound,
      },
    ];
  }
  return [
    {
      ref: {
        group: tr.group ?? '',
        kind: tr.kind,
        name: tr.name,
        namespace: ns,
      },
      found: false,
    },
  ];
}
