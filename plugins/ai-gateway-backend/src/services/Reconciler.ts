import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { durationToMilliseconds } from '@backstage/types';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_VERSION,
  CONDITION_TYPES,
  LABELS,
  REASONS,
  ROUTING_POLICY_KIND,
  ApiClusterPassReport,
  ApiDryRunResult,
  ApiPassReport,
  PolicyValidationError,
  entityToResource,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ClusterCache,
  KubeClient,
  KubeObject,
  acceptance,
  diffObject,
  isNotFound,
  isOwnedBy,
  labelValue,
  objectKey,
} from '@kagenti/backstage-plugin-ai-gateway-node';
import { Engine, ObservedCluster, RenderOutcome } from './engine';
import { PolicyIndex, PolicyRecord, RenderedObjectState } from './PolicyIndex';
import { AiGatewaySettings } from './settings';
import { redactObject } from './redact';

const POLICY_KINDS = [ROUTING_POLICY_KIND, ACCESS_POLICY_KIND];
/** The catalog filter for every policy entity, of either kind. */
const POLICY_FILTER = POLICY_KINDS.map(kind => ({ kind }));
const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/** One policy entity as the catalog states it, converted to its resource. */
export interface DesiredPolicy {
  entity: Entity;
  entityRef: string;
  cluster: string;
  resource: KubeObject;
}

/** One cluster in a pass, as `/health` reports it. */
export type ClusterPassReport = ApiClusterPassReport;

export interface PassReport extends ApiPassReport {
  invalid: number;
}

function stripStatus(o: KubeObject): KubeObject {
  const { status: _s, ...rest } = o;
  return rest as KubeObject;
}

function driftOf(
  live: KubeObject | undefined,
  differences: string[] | undefined,
): RenderedObjectState['drift'] {
  if (!live) return 'missing';
  return differences?.length ? 'drifted' : 'in-sync';
}

function actionOf(
  live: KubeObject | undefined,
  differences: string[],
): 'create' | 'update' | 'unchanged' {
  if (!live) return 'create';
  return differences.length ? 'update' : 'unchanged';
}

function policyKey(kind: string, namespace: string, name: string) {
  return `${kind}/${namespace}/${name}`;
}

/** The key of a policy resource, live or desired. */
function keyOf(policy: KubeObject) {
  return policyKey(
    policy.kind,
    policy.metadata.namespace ?? '',
    policy.metadata.name,
  );
}

/** Errors as text, without anything that could be a request body. */
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Fields a status keeps from the last write when nothing else changed. */
const STATUS_TIMES = new Set(['lastTransitionTime', 'observedAt']);

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = (o: Record<string, unknown>) =>
    Object.keys(o).filter(k => o[k] !== undefined && !STATUS_TIMES.has(k));
  const kx = keys(x);
  return (
    kx.length === keys(y).length &&
    kx.every(
      k => Object.prototype.hasOwnProperty.call(y, k) && sameJson(x[k], y[k]),
    )
  );
}

/**
 * Whether two statuses say the same, as JSON, apart from their times (lastTransitionTime
 * changes only with a condition's status). Field order does not count: an API server writes
 * a custom resource's fields in its own (sorted) order, and an order-sensitive comparison took
 * every status read back as changed and wrote it again in every pass.
 */
export function sameStatus(a: unknown, b: unknown): boolean {
  return sameJson(a ?? {}, b ?? {});
}

/** Keeps lastTransitionTime of conditions whose status did not change. */
function carryTransitionTimes(next: any, previous: any) {
  const prev = new Map<string, any>(
    (previous?.conditions ?? []).map((c: any) => [c.type, c]),
  );
  for (const c of next?.conditions ?? []) {
    const p = prev.get(c.type);
    if (p && p.status === c.status && p.lastTransitionTime) {
      c.lastTransitionTime = p.lastTransitionTime;
    }
  }
  return next;
}

/** Policy entities read whole per catalog request. */
const CATALOG_BATCH = 500;

/** Objects of one kind read one by one before a pass lists the whole kind instead. */
const READS_BEFORE_LIST = 4;

/**
 * For one pass: the live object, anyone's, holding the name of a rendered object that is not
 * among this instance's. A few (drift, a new policy) are read one by one; past
 * READS_BEFORE_LIST of one kind (a first pass over a fleet) the kind is listed once, so a cold
 * start costs a few lists rather than a read per object. Secrets are known from the pass's list.
 */
function nameLookup(client: KubeClient, secretNames: KubeObject[]) {
  const byName = (items: KubeObject[]) =>
    new Map(
      items.map(o => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]),
    );
  const lists = new Map<string, Promise<Map<string, KubeObject>>>([
    ['v1/Secret', Promise.resolve(byName(secretNames))],
  ]);
  const reads = new Map<string, number>();
  return async (obj: KubeObject): Promise<KubeObject | undefined> => {
    const kindKey = `${obj.apiVersion}/${obj.kind}`;
    const name = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    let list = lists.get(kindKey);
    if (!list) {
      const n = (reads.get(kindKey) ?? 0) + 1;
      reads.set(kindKey, n);
      if (n > READS_BEFORE_LIST) {
        list = client.list(obj.apiVersion, obj.kind).then(r => byName(r.items));
        lists.set(kindKey, list);
      }
    }
    if (list) return (await list).get(name);
    try {
      return await client.get(
        obj.apiVersion,
        obj.kind,
        obj.metadata.namespace,
        obj.metadata.name,
      );
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
}

/** Deletes exactly this incarnation of an object (uid precondition); false when it was gone. */
async function deleteIncarnation(
  client: KubeClient,
  o: KubeObject,
): Promise<boolean> {
  try {
    await client.delete(
      o.apiVersion,
      o.kind,
      o.metadata.namespace,
      o.metadata.name,
      o.metadata.uid,
    );
    return true;
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return false;
  }
}

/**
 * Reconciles the catalog's policy entities into their clusters: applies the policy resources,
 * and in embedded mode renders, applies only what differs from the live state, prunes objects no
 * longer wanted and writes status. Each cluster is handled on its own, so an unreachable cluster
 * or a broken policy never blocks the others. Results land in the in-memory index the REST API
 * answers from.
 */
export class Reconciler {
  readonly index = new PolicyIndex();
  private running: Promise<PassReport> | undefined;
  private readonly desiredCache = new Map<
    string,
    { etag: string; result: { ok: true; value: DesiredPolicy } }
  >();
  /** Per cluster, from the last full pass: credential Secrets and policy resources wanted. */
  private readonly credentialRefs = new Map<string, Set<string>>();
  private readonly desiredKeys = new Map<string, Set<string>>();
  /** When each owned policy resource was first found without its catalog entity. */
  private readonly missingSince = new Map<string, number>();
  private readonly labelled = new WeakMap<KubeObject, KubeObject>();
  private readonly diffs = new WeakMap<
    KubeObject,
    { uid?: string; resourceVersion?: string; differences: string[] }
  >();
  /** Trust bundle ConfigMaps (`namespace/name`) referenced per cluster, from the last pass. */
  private readonly bundles = new Map<string, Set<string>>();
  /** Watch-fed copies of the clusters (see Triggers); passes read them instead of listing. */
  caches?: Map<string, ClusterCache>;
  /** Called after each full pass with the namespaces holding referenced bundles, per cluster. */
  onBundles?: (namespaces: Map<string, Set<string>>) => void;
  private rerun = false;

  constructor(
    private readonly deps: {
      auth: AuthService;
      catalog: CatalogService;
      logger: LoggerService;
      settings: AiGatewaySettings;
      clients: Map<string, KubeClient>;
      engine: Engine;
    },
  ) {}

  get settings() {
    return this.deps.settings;
  }

  client(cluster: string): KubeClient | undefined {
    return this.deps.clients.get(cluster);
  }

  /**
   * The policy entities of the catalog, read with the plugin's own credentials: first every
   * policy's ref and etag, then whole only the entities added or changed since they were last
   * converted (by ref, in batches). An unchanged fleet costs one light list, not every spec; the
   * first pass lists them whole at once.
   */
  async readCatalog(): Promise<Entity[]> {
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    if (this.desiredCache.size === 0) {
      // Nothing converted yet (the first pass since startup): every entity is needed whole, and
      // one list of them costs less than the list of heads and the lookups by ref after it.
      const { items } = await this.deps.catalog.getEntities(
        { filter: POLICY_FILTER },
        { credentials },
      );
      return items;
    }
    const { items: heads } = await this.deps.catalog.getEntities(
      {
        filter: POLICY_FILTER,
        fields: [
          'kind',
          'metadata.namespace',
          'metadata.name',
          'metadata.etag',
        ],
      },
      { credentials },
    );
    const entities: Entity[] = [];
    const changed: string[] = [];
    for (const head of heads) {
      const ref = stringifyEntityRef(head);
      const hit = this.desiredCache.get(ref);
      if (hit && head.metadata.etag && hit.etag === head.metadata.etag) {
        entities.push(hit.result.value.entity);
      } else {
        changed.push(ref);
      }
    }
    for (let i = 0; i < changed.length; i += CATALOG_BATCH) {
      const { items } = await this.deps.catalog.getEntitiesByRefs(
        { entityRefs: changed.slice(i, i + CATALOG_BATCH) },
        { credentials },
      );
      // null: removed between the two reads; the next pass sees it gone.
      for (const e of items) if (e) entities.push(e);
    }
    return entities;
  }

  /** uid and etag of every policy entity: changes when any policy is added, edited or removed. */
  async readCatalogFingerprint(): Promise<string> {
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const { items } = await this.deps.catalog.getEntities(
      {
        filter: POLICY_FILTER,
        fields: ['metadata.uid', 'metadata.etag'],
      },
      { credentials },
    );
    return items
      .map(e => `${e.metadata.uid}:${e.metadata.etag}`)
      .sort()
      .join('\n');
  }

  /**
   * Whether a watched change can matter to a pass: objects of this instance, Secrets a routing
   * policy names as credentials, and policy resources that share a name with one of ours. The
   * rest of a busy cluster (other Secrets, others' policies) asks for no pass.
   */
  isRelevant(cluster: string, obj: KubeObject): boolean {
    if (
      obj.metadata.labels?.[LABELS.instance] === this.deps.settings.instance
    ) {
      return true;
    }
    const ns = obj.metadata.namespace ?? '';
    if (obj.apiVersion === 'v1' && obj.kind === 'Secret') {
      return (
        this.credentialRefs.get(cluster)?.has(`${ns}/${obj.metadata.name}`) ??
        true
      );
    }
    if (
      obj.apiVersion === AI_GATEWAY_API_VERSION &&
      POLICY_KINDS.includes(obj.kind)
    ) {
      return this.desiredKeys.get(cluster)?.has(keyOf(obj)) ?? true;
    }
    return true;
  }

  isBundleReferenced(cluster: string, ref: string): boolean {
    return this.bundles.get(cluster)?.has(ref) ?? false;
  }

  /** An entity as a resource with this instance's labels, or the problems that keep it out. */
  toDesired(
    entity: Entity,
  ): { ok: true; value: DesiredPolicy } | { ok: false; problems: string[] } {
    // The catalog changes an entity's etag whenever it changes: validation and conversion of
    // thousands of unchanged entities are not redone every pass.
    const entityRef = stringifyEntityRef(entity);
    const etag = entity.metadata.etag;
    const hit = etag ? this.desiredCache.get(entityRef) : undefined;
    if (hit && hit.etag === etag) return hit.result;
    let converted: { cluster: string; resource: KubeObject };
    try {
      converted = entityToResource(entity, {
        defaultCluster: this.deps.settings.defaultCluster ?? '',
      }) as unknown as { cluster: string; resource: KubeObject };
    } catch (e) {
      if (!(e instanceof PolicyValidationError)) throw e;
      return {
        ok: false,
        problems: e.problems.map(p => `${p.path}: ${p.message}`),
      };
    }
    const { cluster, resource } = converted;
    const labelled: KubeObject = {
      ...resource,
      metadata: {
        ...resource.metadata,
        labels: {
          ...resource.metadata.labels,
          [LABELS.managedBy]: LABELS.managedByValue,
          // The same policy label as its rendered objects, so one label selector (the
          // Kubernetes tab's) finds the policy's resource and everything rendered from it.
          [LABELS.policy]: labelValue(resource.metadata.name),
          [LABELS.instance]: this.deps.settings.instance,
        },
      },
    };
    const result = {
      ok: true as const,
      value: { entity, entityRef, cluster, resource: stripStatus(labelled) },
    };
    if (etag) this.desiredCache.set(entityRef, { etag, result });
    return result;
  }

  /**
   * Runs one full pass. Concurrent callers share the pass in flight; a request made while a pass
   * runs schedules one more pass after it, so no change is missed.
   */
  async runPass(): Promise<PassReport> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        let report = await this.passOnce();
        while (this.rerun) {
          this.rerun = false;
          report = await this.passOnce();
        }
        return report;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async passOnce(): Promise<PassReport> {
    const started = Date.now();
    const entities = await this.readCatalog();
    this.deps.logger.debug(
      `ai-gateway: pass read ${
        entities.length
      } policy entities from the catalog in ${Date.now() - started} ms`,
    );
    const byCluster = new Map<string, DesiredPolicy[]>();
    let invalid = 0;
    const seen = new Set<string>();
    for (const entity of entities) {
      const d = this.toDesired(entity);
      if (!d.ok) {
        invalid++;
        this.index.setInvalid(stringifyEntityRef(entity), entity, d.problems);
        continue;
      }
      seen.add(d.value.entityRef);
      const list = byCluster.get(d.value.cluster) ?? [];
      list.push(d.value);
      byCluster.set(d.value.cluster, list);
    }
    this.index.retainEntities(seen);
    for (const ref of [...this.desiredCache.keys()]) {
      if (!seen.has(ref)) this.desiredCache.delete(ref);
    }
    for (const [cluster, list] of byCluster) {
      if (!this.deps.clients.has(cluster)) {
        for (const p of list) {
          this.index.setUnknownCluster(p, cluster);
        }
      }
    }
    const clusters = [...this.deps.clients.keys()];
    const reports = await Promise.all(
      clusters.map(name =>
        this.reconcileCluster(name, byCluster.get(name) ?? []),
      ),
    );
    const report: PassReport = {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      policies: seen.size,
      invalid,
      clusters: reports,
    };
    this.index.lastPass = report;
    for (const name of this.deps.clients.keys()) {
      const list = byCluster.get(name) ?? [];
      this.desiredKeys.set(name, new Set(list.map(d => keyOf(d.resource))));
      const secrets = new Set<string>();
      for (const d of list) {
        for (const p of (d.resource.spec as any)?.providers ?? []) {
          const secret = p.credentials?.secretRef?.name;
          if (secret) secrets.add(`${d.resource.metadata.namespace}/${secret}`);
        }
      }
      this.credentialRefs.set(name, secrets);
    }
    if (this.deps.settings.mode === 'embedded') {
      const namespaces = new Map<string, Set<string>>();
      for (const [cluster, list] of byCluster) {
        const refs = new Set(
          list.flatMap(d => this.deps.engine.bundleRefs(d.resource)),
        );
        this.bundles.set(cluster, refs);
        namespaces.set(cluster, new Set([...refs].map(r => r.split('/')[0])));
      }
      this.onBundles?.(namespaces);
    }
    for (const r of reports) {
      if (!r.ok) {
        this.deps.logger.warn(
          `ai-gateway: cluster ${r.cluster} not reconciled: ${r.error}`,
        );
      } else if (r.applied || r.pruned || r.deleted || r.statusWrites) {
        this.deps.logger.info(
          `ai-gateway: cluster ${r.cluster}: applied ${r.applied}, pruned ${r.pruned}, deleted ${r.deleted}, status ${r.statusWrites}, unchanged ${r.unchanged}`,
        );
      }
    }
    return report;
  }

  /** Reads what a pass needs from one cluster: a fixed number of list requests. */
  async observe(
    client: KubeClient,
    desired: DesiredPolicy[],
    namespace?: string,
  ): Promise<{
    observed: ObservedCluster;
    livePolicies: KubeObject[];
    foreignPolicies: Map<string, KubeObject>;
    secretNames: KubeObject[];
  }> {
    const { settings, engine } = this.deps;
    const selector = `${LABELS.instance}=${settings.instance}`;
    const cache = namespace ? undefined : this.caches?.get(client.name);
    const listOrEmpty = async (
      apiVersion: string,
      kind: string,
      labelSelector?: string,
    ) => {
      const cached = cache?.list(apiVersion, kind, { labelSelector });
      if (cached) return cached;
      try {
        return (
          await client.list(apiVersion, kind, { labelSelector, namespace })
        ).items;
      } catch (e) {
        // A kind whose CRD is not installed has nothing of ours; its applies report the error.
        if (isNotFound(e)) return [];
        throw e;
      }
    };
    const embedded = settings.mode === 'embedded';
    const [policyLists, gateways, owned, secrets] = await Promise.all([
      // Every policy resource, not only ours: one of the same name made by someone else must be
      // known without a request per policy.
      Promise.all(
        POLICY_KINDS.map(k => listOrEmpty(AI_GATEWAY_API_VERSION, k)),
      ),
      listOrEmpty(GATEWAY_API_VERSION, 'Gateway'),
      embedded
        ? Promise.all(
            engine.renderedKinds.map(k =>
              listOrEmpty(k.apiVersion, k.kind, selector),
            ),
          )
        : Promise.resolve([] as KubeObject[][]),
      embedded ? listOrEmpty('v1', 'Secret') : Promise.resolve([]),
    ]);
    const bundleRefs = new Set<string>();
    if (embedded) {
      for (const d of desired) {
        for (const ref of engine.bundleRefs(d.resource)) bundleRefs.add(ref);
      }
    }
    const configMaps = new Map<string, KubeObject>();
    await Promise.all(
      [...bundleRefs].map(async ref => {
        const [ns, name] = ref.split('/');
        try {
          configMaps.set(ref, await client.get('v1', 'ConfigMap', ns, name));
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }),
    );
    const secretKeys = new Map<string, { type?: string; keys: string[] }>();
    const ownedMap = new Map<string, KubeObject>();
    for (const s of secrets) {
      // Values are dropped here: only our own rendered Secrets are kept whole (to keep the
      // server certificate across passes and to compare the CA bundle).
      secretKeys.set(`${s.metadata.namespace}/${s.metadata.name}`, {
        type: s.type as string | undefined,
        keys: Object.keys((s.data as Record<string, string>) ?? {}),
      });
      if (s.metadata.labels?.[LABELS.instance] === settings.instance) {
        ownedMap.set(objectKey(s), s);
      }
    }
    for (const list of owned) {
      for (const o of list) {
        if (o.kind === 'Secret' && o.apiVersion === 'v1') continue;
        ownedMap.set(objectKey(o), o);
      }
    }
    // Names and labels of every Secret (no values): which names are taken, and by whom.
    const secretNames = secrets.map(s => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: s.metadata.name,
        namespace: s.metadata.namespace,
        labels: s.metadata.labels,
      },
    }));
    const livePolicies: KubeObject[] = [];
    const foreignPolicies = new Map<string, KubeObject>();
    for (const p of policyLists.flat()) {
      if (p.metadata.labels?.[LABELS.instance] === settings.instance) {
        livePolicies.push(p);
      } else {
        foreignPolicies.set(keyOf(p), p);
      }
    }
    return {
      livePolicies,
      foreignPolicies,
      secretNames,
      observed: {
        cluster: client.name,
        gateways: new Map(
          gateways.map(g => [`${g.metadata.namespace}/${g.metadata.name}`, g]),
        ),
        configMaps,
        secretKeys,
        owned: ownedMap,
        policies: [],
      },
    };
  }

  private ownership() {
    return {
      managedByKey: LABELS.managedBy,
      managedByValue: LABELS.managedByValue,
      instanceKey: LABELS.instance,
      instance: this.deps.settings.instance,
    };
  }

  /** Applies a policy resource when it differs from (or is missing in) the cluster. */
  private async applyPolicy(
    client: KubeClient,
    d: DesiredPolicy,
    live: KubeObject | undefined,
    foreign: KubeObject | undefined,
  ): Promise<{ object: KubeObject; wrote: boolean }> {
    if (live && this.differences(d.resource, d.resource, live).length === 0) {
      return { object: live, wrote: false };
    }
    if (!live && foreign) {
      // Someone else's resource of the same name is not taken over.
      const owner = foreign.metadata.labels?.[LABELS.instance];
      throw new Error(
        `${d.resource.kind} ${d.resource.metadata.namespace}/${
          d.resource.metadata.name
        } already exists ${
          owner
            ? `and belongs to Backstage instance '${owner}'`
            : 'and was not created by Backstage'
        }; rename the policy or delete the existing resource`,
      );
    }
    const object = await client.apply(d.resource);
    return {
      object: {
        ...object,
        apiVersion: d.resource.apiVersion,
        kind: d.resource.kind,
      },
      wrote: true,
    };
  }

  private async reconcileCluster(
    name: string,
    desired: DesiredPolicy[],
    only?: Set<string>,
  ): Promise<ClusterPassReport> {
    const client = this.deps.clients.get(name)!;
    const started = Date.now();
    const before = { ...client.stats };
    const report: ClusterPassReport = {
      cluster: name,
      ok: true,
      applied: 0,
      unchanged: 0,
      pruned: 0,
      deleted: 0,
      statusWrites: 0,
      requests: 0,
      writes: 0,
    };
    try {
      await this.reconcileClusterInner(client, desired, report, only);
      this.index.setClusterReachable(name, true);
    } catch (e) {
      report.ok = false;
      report.error = errorText(e);
      this.index.setClusterReachable(name, false, report.error);
      for (const d of desired) this.index.markUnreachable(d, report.error);
    }
    report.requests = client.stats.requests - before.requests;
    report.writes = client.stats.writes - before.writes;
    this.deps.logger.debug(
      `ai-gateway: cluster ${name} reconciled in ${Date.now() - started} ms (${
        report.requests
      } requests, ${report.writes} writes)`,
    );
    return report;
  }

  private async reconcileClusterInner(
    client: KubeClient,
    allDesired: DesiredPolicy[],
    report: ClusterPassReport,
    only?: Set<string>,
  ) {
    const { settings, engine } = this.deps;
    const desired = only
      ? allDesired.filter(d => only.has(d.entityRef))
      : allDesired;
    const namespaces = new Set(desired.map(d => d.resource.metadata.namespace));
    const scope =
      only && namespaces.size === 1 ? [...namespaces][0] : undefined;
    const { observed, livePolicies, foreignPolicies, secretNames } =
      await this.observe(client, desired, scope);
    const existingByName = nameLookup(client, secretNames);
    if (!scope) this.index.setGateways(client.name, observed.gateways);
    const liveByKey = new Map(livePolicies.map(p => [keyOf(p), p]));

    // 1. Policy resources. A policy's objects follow as soon as its own resource is applied
    // (rendering one overlaps the requests of others); statuses wait for every policy resource
    // and for the deletion of vanished ones, since policies of a namespace are judged together.
    const applied = new Map<string, KubeObject>();
    const policyErrors = new Map<string, string>();
    const policyApplied = new Map<string, Promise<void>>();
    for (const d of desired) {
      const key = keyOf(d.resource);
      policyApplied.set(
        key,
        (async () => {
          try {
            const r = await this.applyPolicy(
              client,
              d,
              liveByKey.get(key),
              foreignPolicies.get(key),
            );
            applied.set(key, r.object);
            if (r.wrote) report.applied++;
            else report.unchanged++;
          } catch (e) {
            policyErrors.set(key, errorText(e));
          }
        })(),
      );
    }
    const wantedPolicies = new Set(allDesired.map(d => keyOf(d.resource)));
    const policiesSettled = Promise.all(policyApplied.values()).then(
      async () => {
        // Resources of entities gone from the catalog (only full passes decide that), once they have
        // been gone for the grace period: a catalog still being filled at startup, or answering
        // partially for a moment, must not take every policy out of the cluster.
        const deferred = new Set<string>();
        if (!only) {
          const now = Date.now();
          const grace = durationToMilliseconds(settings.deletionGracePeriod);
          await Promise.all(
            livePolicies.map(async p => {
              const key = keyOf(p);
              const missingKey = `${client.name}|${key}|${p.metadata.uid}`;
              if (wantedPolicies.has(key)) {
                this.missingSince.delete(missingKey);
                return;
              }
              if (!isOwnedBy(p, this.ownership())) return;
              const since = this.missingSince.get(missingKey) ?? now;
              this.missingSince.set(missingKey, since);
              if (now - since < grace) {
                deferred.add(key);
                return;
              }
              this.missingSince.delete(missingKey);
              if (await deleteIncarnation(client, p)) report.deleted++;
            }),
          );
        }
        observed.policies = [
          ...livePolicies.filter(p => {
            const key = keyOf(p);
            return (
              (wantedPolicies.has(key) || deferred.has(key)) &&
              !applied.has(key)
            );
          }),
          ...applied.values(),
        ];
      },
    );
    // Awaited below; a failed deletion must not count as unhandled before then.
    policiesSettled.catch(() => undefined);

    if (settings.mode === 'external') {
      await policiesSettled;
      for (const d of desired) {
        const key = keyOf(d.resource);
        const live = applied.get(key);
        this.index.setPolicy(this.record(d, live, [], policyErrors.get(key)));
      }
      return;
    }

    // 2. Rendered objects: apply what differs, remember what each policy wants.
    const wantedObjects = new Set<string>();
    const renders = new Map<string, RenderOutcome>();
    const failedRenders = new Map<string, RenderOutcome>();
    const objectErrors = new Map<string, Map<string, string>>();
    const objectStates = new Map<string, RenderedObjectState[]>();
    // Status, per policy as soon as its objects are applied and every policy resource is settled.
    const now = new Date();
    const writeStatus = async (d: DesiredPolicy) => {
      await policiesSettled;
      const key = keyOf(d.resource);
      const live = applied.get(key);
      if (!live) {
        this.index.setPolicy(
          this.record(d, undefined, [], policyErrors.get(key)),
        );
        return;
      }
      const outcome = renders.get(key) ?? failedRenders.get(key)!;
      let status: Record<string, unknown>;
      try {
        status = carryTransitionTimes(
          engine.status(
            live,
            outcome,
            observed,
            objectErrors.get(key) ?? new Map(),
            now,
          ),
          live.status,
        );
      } catch (e) {
        this.index.setPolicy(
          this.record(d, live, objectStates.get(key) ?? [], errorText(e)),
        );
        return;
      }
      let current = live;
      if (!sameStatus(status, live.status)) {
        try {
          const written = await client.applyStatus({ ...live, status });
          current = { ...live, status: written.status ?? status };
          report.statusWrites++;
        } catch (e) {
          current = { ...live, status };
          policyErrors.set(key, `status not written: ${errorText(e)}`);
        }
      }
      this.index.setPolicy(
        this.record(
          d,
          current,
          objectStates.get(key) ?? [],
          policyErrors.get(key),
        ),
      );
    };

    await Promise.all(
      desired.map(async d => {
        const key = keyOf(d.resource);
        await policyApplied.get(key);
        const live = applied.get(key);
        if (!live) {
          await writeStatus(d);
          return;
        }
        let outcome: RenderOutcome;
        try {
          outcome = await engine.render(live, observed);
        } catch (e) {
          // A renderer failure keeps the policy's objects as they are (nothing is pruned).
          failedRenders.set(key, {
            objects: [],
            problems: [{ path: 'spec', message: errorText(e) }],
            retain: [],
          });
          await writeStatus(d);
          return;
        }
        renders.set(key, outcome);
        for (const k of outcome.retain) wantedObjects.add(k);
        const errors = new Map<string, string>();
        objectErrors.set(key, errors);
        const states: RenderedObjectState[] = [];
        objectStates.set(key, states);
        // Objects in sync cost no promise: a pass over an unchanged fleet checks tens of
        // thousands of them.
        const applying: Promise<void>[] = [];
        for (const raw of outcome.objects) {
          const obj = this.withInstanceLabel(raw);
          const k = objectKey(obj);
          wantedObjects.add(k);
          const liveObj = observed.owned.get(k);
          const differences = liveObj
            ? this.differences(raw, obj, liveObj)
            : undefined;
          const state: RenderedObjectState = {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace: obj.metadata.namespace ?? '',
            drift: driftOf(liveObj, differences),
            differences: differences?.length ? differences : undefined,
            accepted: acceptance(liveObj as any)?.accepted,
          };
          states.push(state);
          if (state.drift === 'in-sync') {
            report.unchanged++;
            continue;
          }
          applying.push(
            (async () => {
              try {
                // Not among this instance's labelled objects: one of the same name made by someone
                // else must not be adopted by server-side apply (and pruned with the policy later).
                if (!liveObj)
                  this.refuseForeignObject(obj, await existingByName(obj));
                const result: KubeObject = {
                  ...(await client.apply(obj)),
                  apiVersion: obj.apiVersion,
                  kind: obj.kind,
                };
                observed.owned.set(k, result);
                report.applied++;
                // Compared with what the server answered: the next pass finds this version in its
                // cache and need not compare again, and a field the server will not take as asked
                // shows as drift now rather than as a write in every pass.
                const left = this.differences(raw, obj, result);
                state.drift = left.length ? 'drifted' : 'in-sync';
                state.differences = left.length ? left : undefined;
                state.accepted = acceptance(result as any)?.accepted;
                state.repaired = liveObj ? 'drifted' : 'missing';
              } catch (e) {
                errors.set(k, errorText(e));
                state.error = errorText(e);
              }
            })(),
          );
        }
        await Promise.all(applying);
        if (errors.size === 0) engine.applied?.(live, observed);
        await writeStatus(d);
      }),
    );
    await policiesSettled;
    // Also keep the objects of policies this pass did not touch.
    if (only) {
      for (const [k, o] of observed.owned) {
        const owner = o.metadata.ownerReferences?.find(r =>
          POLICY_KINDS.includes(r.kind),
        );
        if (!owner) continue;
        const key = policyKey(
          owner.kind,
          o.metadata.namespace ?? '',
          owner.name,
        );
        if (!desired.some(d => keyOf(d.resource) === key)) {
          wantedObjects.add(k);
        }
      }
    }

    // 3. Prune: ours (labels + owner reference to a policy of ours) and no longer wanted.
    const policyUids = new Map(
      observed.policies.map(p => [keyOf(p), p.metadata.uid]),
    );
    await Promise.all(
      [...observed.owned.entries()].map(async ([k, o]) => {
        if (wantedObjects.has(k)) return;
        const owner = o.metadata.ownerReferences?.find(r =>
          POLICY_KINDS.includes(r.kind),
        );
        if (!owner) return;
        if (
          !isOwnedBy(o, this.ownership(), {
            kind: owner.kind,
            name: owner.name,
          })
        ) {
          return;
        }
        const key = policyKey(
          owner.kind,
          o.metadata.namespace ?? '',
          owner.name,
        );
        // A policy that is still wanted but failed to render this pass keeps its objects.
        if (policyUids.has(key) && !renders.has(key)) return;
        if (await deleteIncarnation(client, o)) report.pruned++;
        observed.owned.delete(k);
      }),
    );
  }

  /** Throws when an object of this name exists and was not made by this instance. */
  private refuseForeignObject(
    obj: KubeObject,
    existing: KubeObject | undefined,
  ) {
    if (!existing) return;
    const owner = existing.metadata.labels?.[LABELS.instance];
    if (owner === this.deps.settings.instance) return;
    throw new Error(
      `${obj.kind} ${obj.metadata.namespace}/${
        obj.metadata.name
      } already exists ${
        owner
          ? `and belongs to Backstage instance '${owner}'`
          : 'and was not created by Backstage'
      }; rename the policy (or provider), or delete the existing object`,
    );
  }

  /**
   * `diffObject(desired, live)`, remembered by the desired object (the same object while its
   * render or conversion is memoized) and the live object's uid and resourceVersion: an
   * unchanged fleet is not compared field by field on every pass.
   */
  private differences(key: KubeObject, desired: KubeObject, live: KubeObject) {
    const hit = this.diffs.get(key);
    if (
      hit &&
      hit.uid === live.metadata.uid &&
      hit.resourceVersion === live.metadata.resourceVersion &&
      hit.resourceVersion !== undefined
    ) {
      return hit.differences;
    }
    const differences = diffObject(desired, live);
    this.diffs.set(key, {
      uid: live.metadata.uid,
      resourceVersion: live.metadata.resourceVersion,
      differences,
    });
    return differences;
  }

  /**
   * A rendered object with this instance's labels, made once for each: a render kept from an
   * earlier pass gives the same objects again.
   */
  private withInstanceLabel(o: KubeObject): KubeObject {
    let labelled = this.labelled.get(o);
    if (!labelled) {
      labelled = {
        ...o,
        metadata: {
          ...o.metadata,
          labels: {
            ...o.metadata.labels,
            [LABELS.managedBy]: LABELS.managedByValue,
            [LABELS.instance]: this.deps.settings.instance,
          },
        },
      };
      this.labelled.set(o, labelled);
    }
    return labelled;
  }

  private record(
    d: DesiredPolicy,
    live: KubeObject | undefined,
    objects: RenderedObjectState[],
    error?: string,
  ): PolicyRecord {
    return {
      entityRef: d.entityRef,
      entity: d.entity,
      cluster: d.cluster,
      kind: d.resource.kind as PolicyRecord['kind'],
      name: d.resource.metadata.name,
      namespace: d.resource.metadata.namespace ?? '',
      resource: d.resource,
      live,
      objects,
      reachable: true,
      error,
      updatedAt: new Date().toISOString(),
    };
  }

  /**
   * Reconciles one policy entity now (the manual reconcile of the REST API) and returns what was
   * written. Pruning is limited to that policy's objects.
   */
  async reconcileOne(entity: Entity): Promise<{
    report: ClusterPassReport;
    record?: PolicyRecord;
  }> {
    const d = this.toDesired(entity);
    if (!d.ok) {
      // A bounded message: a spec with thousands of problems is listed in full by dry-run.
      const shown = d.problems.slice(0, 20);
      const more = d.problems.length - shown.length;
      throw new Error(
        `invalid policy: ${shown.join('; ')}${
          more > 0 ? `; and ${more} more problems (dry-run lists them all)` : ''
        }`,
      );
    }
    if (!this.deps.clients.has(d.value.cluster)) {
      throw new Error(`cluster '${d.value.cluster}' is not configured`);
    }
    const report = await this.reconcileCluster(
      d.value.cluster,
      [d.value],
      new Set([d.value.entityRef]),
    );
    return { report, record: this.index.getPolicy(d.value.entityRef) };
  }

  /**
   * Renders one policy against the live cluster without writing: the objects (Secret values
   * redacted) and what a reconcile would create, update or delete.
   */
  async dryRun(entity: Entity): Promise<ApiDryRunResult> {
    const d = this.toDesired(entity);
    if (!d.ok) {
      return {
        valid: false,
        problems: d.problems.map(p => {
          const i = p.indexOf(': ');
          return i > 0
            ? { path: p.slice(0, i), message: p.slice(i + 2) }
            : { path: '', message: p };
        }),
        objects: [],
        diff: [],
      };
    }
    const { resource, cluster } = d.value;
    const client = this.deps.clients.get(cluster);
    if (!client) {
      throw new Error(`cluster '${cluster}' is not configured`);
    }
    const namespace = resource.metadata.namespace ?? '';
    const { observed, livePolicies } = await this.observe(
      client,
      [d.value],
      namespace,
    );
    const live = livePolicies.find(
      p =>
        p.kind === resource.kind && p.metadata.name === resource.metadata.name,
    );
    const policy: KubeObject = {
      ...resource,
      metadata: {
        ...resource.metadata,
        uid: live?.metadata.uid,
        generation: live?.metadata.generation,
        creationTimestamp: live?.metadata.creationTimestamp,
      },
    };
    observed.policies = [...livePolicies.filter(p => p !== live), policy];
    // The policy resource itself comes first: both modes apply it.
    const resourceDifferences = live ? diffObject(resource, live) : [];
    const diff: ApiDryRunResult['diff'] = [
      {
        apiVersion: resource.apiVersion,
        kind: resource.kind,
        name: resource.metadata.name,
        action: actionOf(live, resourceDifferences),
        ...(resourceDifferences.length
          ? { differences: resourceDifferences }
          : {}),
      },
    ];
    if (this.deps.settings.mode === 'external') {
      return { valid: true, problems: [], objects: [resource], diff };
    }
    const outcome = await this.deps.engine.render(policy, observed, {
      hypothetical: true,
    });
    const wanted = new Set(outcome.retain);
    for (const raw of outcome.objects) {
      const obj = this.withInstanceLabel(raw);
      const k = objectKey(obj);
      wanted.add(k);
      const liveObj = observed.owned.get(k);
      const differences = liveObj ? diffObject(obj, liveObj) : [];
      diff.push({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        action: actionOf(liveObj, differences),
        ...(differences.length ? { differences } : {}),
      });
    }
    for (const [k, o] of observed.owned) {
      if (wanted.has(k)) continue;
      const owner = o.metadata.ownerReferences?.find(
        r => r.kind === resource.kind && r.name === resource.metadata.name,
      );
      if (!owner || !isOwnedBy(o, this.ownership(), owner)) continue;
      diff.push({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        action: 'delete',
      });
    }
    return {
      valid: outcome.problems.length === 0,
      problems: [
        ...outcome.problems,
        ...clusterProblems(
          this.deps.engine.status(
            policy,
            outcome,
            observed,
            new Map(),
            new Date(),
          ),
        ),
      ],
      objects: [
        redactObject(resource),
        ...outcome.objects.map(o => redactObject(this.withInstanceLabel(o))),
      ],
      diff,
    };
  }
}

/**
 * Failing conditions that the cluster as it is decides, before anything is applied (a missing
 * Gateway or bundle, a Gateway without an HTTPS listener, a credential Secret without its key):
 * a dry run reports them as problems, where the spec is.
 */
const CLUSTER_PROBLEM_PATHS: Record<string, string> = {
  [REASONS.GatewayNotFound]: 'spec.targetRef',
  [REASONS.GatewayNotAccepted]: 'spec.targetRef',
  [REASONS.ListenerNotHTTPS]: 'spec.targetRef',
  [REASONS.Conflicted]: 'spec.models',
  [REASONS.CredentialSecretNotFound]: 'spec.providers',
  [REASONS.CredentialKeyMissing]: 'spec.providers',
  [REASONS.BundleNotFound]: 'spec.mtls.trustBundleConfigMap',
  [REASONS.BundleEmpty]: 'spec.mtls.trustBundleConfigMap',
  [REASONS.BundleParseError]: 'spec.mtls.trustBundleConfigMap',
  [REASONS.BundleExpired]: 'spec.mtls.trustBundleConfigMap',
  [REASONS.CertGenerationFailed]: 'spec.mtls',
};

function clusterProblems(
  status: Record<string, unknown>,
): Array<{ path: string; message: string }> {
  const conditions = (status.conditions ?? []) as Array<{
    type: string;
    status: string;
    reason: string;
    message?: string;
  }>;
  return conditions
    .filter(
      c =>
        c.type !== CONDITION_TYPES.Programmed &&
        c.status === 'False' &&
        CLUSTER_PROBLEM_PATHS[c.reason],
    )
    .map(c => ({
      path: CLUSTER_PROBLEM_PATHS[c.reason],
      message: `${c.type} would be False (${c.reason})${
        c.message ? `: ${c.message}` : ''
      }`,
    }));
}
