import { Entity } from '@backstage/catalog-model';
import { KubeObject } from '@kagenti/backstage-plugin-ai-gateway-node';
import type { PassReport, DesiredPolicy } from './Reconciler';

export interface RenderedObjectState {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  accepted?: boolean;
  /** State found at the start of the last pass, after repair when the apply succeeded. */
  drift: 'in-sync' | 'drifted' | 'missing' | 'unknown';
  differences?: string[];
  /** What the last pass repaired. */
  repaired?: 'drifted' | 'missing';
  error?: string;
}

export interface PolicyRecord {
  entityRef: string;
  entity: Entity;
  cluster: string;
  kind: 'AIRoutingPolicy' | 'AIAccessPolicy';
  name: string;
  namespace: string;
  /** The resource as the catalog asks for it. */
  resource: KubeObject;
  /** The resource as last seen in the cluster (with status). */
  live?: KubeObject;
  objects: RenderedObjectState[];
  reachable: boolean;
  error?: string;
  problems?: string[];
  updatedAt: string;
}

export interface ClusterState {
  name: string;
  reachable: boolean;
  error?: string;
  gateways: Map<string, KubeObject>;
}

/** Where an access policy's allowed subjects point, for finding an agent's policies. */
interface AdmissionIndex {
  /** Positions (in the cluster's access policy list) by policy namespace. */
  byNamespace: Map<string, number[]>;
  byDomain: Map<
    string,
    {
      /** Policies without allowedSubjects: every ID of the trust domain. */
      open: number[];
      exact: Map<string, number[]>;
      prefix: Map<string, number[]>;
      prefixLengths: Set<number>;
    }
  >;
}

function admissionIndex(list: PolicyRecord[]): AdmissionIndex {
  const push = <K>(map: Map<K, number[]>, key: K, i: number) => {
    const positions = map.get(key);
    if (positions) positions.push(i);
    else map.set(key, [i]);
  };
  const index: AdmissionIndex = { byNamespace: new Map(), byDomain: new Map() };
  list.forEach((p, i) => {
    push(index.byNamespace, p.namespace, i);
    const mtls = (p.resource as any).spec?.mtls;
    const domain: string | undefined = mtls?.trustDomain;
    if (!domain) return;
    let d = index.byDomain.get(domain);
    if (!d) {
      d = {
        open: [],
        exact: new Map(),
        prefix: new Map(),
        prefixLengths: new Set(),
      };
      index.byDomain.set(domain, d);
    }
    const subjects: Array<{ spiffeId?: string; spiffeIdPrefix?: string }> =
      mtls.allowedSubjects ?? [];
    if (subjects.length === 0) d.open.push(i);
    for (const sub of subjects) {
      if (sub.spiffeId !== undefined) push(d.exact, sub.spiffeId, i);
      else if (sub.spiffeIdPrefix !== undefined) {
        push(d.prefix, sub.spiffeIdPrefix, i);
        d.prefixLengths.add(sub.spiffeIdPrefix.length);
      }
    }
  });
  return index;
}

/**
 * What the last passes found, kept in memory so the REST API answers without touching a cluster.
 * Replaced piecewise by each pass; readers never see a half-written record.
 */
export class PolicyIndex {
  private readonly policies = new Map<string, PolicyRecord>();
  private readonly clusters = new Map<string, ClusterState>();
  /** Access and routing policies by `cluster|namespace|gateway`. */
  private byGateway = new Map<string, PolicyRecord[]>();
  private accessByCluster = new Map<string, PolicyRecord[]>();
  private admissionByCluster = new Map<string, AdmissionIndex>();
  private dirty = true;
  lastPass?: PassReport;

  getPolicy(entityRef: string): PolicyRecord | undefined {
    return this.policies.get(entityRef);
  }

  allPolicies(): PolicyRecord[] {
    return [...this.policies.values()];
  }

  setPolicy(record: PolicyRecord) {
    this.policies.set(record.entityRef, record);
    this.dirty = true;
  }

  setInvalid(entityRef: string, entity: Entity, problems: string[]) {
    const previous = this.policies.get(entityRef);
    if (previous) {
      this.policies.set(entityRef, { ...previous, problems });
      return;
    }
    this.policies.set(entityRef, {
      entityRef,
      entity,
      cluster: '',
      kind: entity.kind as PolicyRecord['kind'],
      name: entity.metadata.name,
      namespace: '',
      resource: {
        apiVersion: entity.apiVersion,
        kind: entity.kind,
        metadata: { name: entity.metadata.name },
      },
      objects: [],
      reachable: true,
      problems,
      updatedAt: new Date().toISOString(),
    });
    this.dirty = true;
  }

  setUnknownCluster(d: DesiredPolicy, cluster: string) {
    this.setPolicy({
      entityRef: d.entityRef,
      entity: d.entity,
      cluster,
      kind: d.resource.kind as PolicyRecord['kind'],
      name: d.resource.metadata.name,
      namespace: d.resource.metadata.namespace ?? '',
      resource: d.resource,
      objects: [],
      reachable: false,
      error: `cluster '${cluster}' is not configured (aiGateway.clusters or kubernetes.clusterLocatorMethods)`,
      updatedAt: new Date().toISOString(),
    });
  }

  markUnreachable(d: DesiredPolicy, error: string) {
    const previous = this.policies.get(d.entityRef);
    this.setPolicy({
      ...(previous ?? {
        entityRef: d.entityRef,
        entity: d.entity,
        cluster: d.cluster,
        kind: d.resource.kind as PolicyRecord['kind'],
        name: d.resource.metadata.name,
        namespace: d.resource.metadata.namespace ?? '',
        resource: d.resource,
        objects: [],
      }),
      entity: d.entity,
      reachable: false,
      error,
      updatedAt: new Date().toISOString(),
    });
  }

  /** Forgets entities that left the catalog. */
  retainEntities(refs: Set<string>) {
    for (const k of [...this.policies.keys()]) {
      if (!refs.has(k) && !this.policies.get(k)?.problems) {
        this.policies.delete(k);
        this.dirty = true;
      }
    }
  }

  setClusterReachable(name: string, reachable: boolean, error?: string) {
    const c: ClusterState = this.clusters.get(name) ?? {
      name,
      reachable,
      gateways: new Map(),
    };
    c.reachable = reachable;
    c.error = error;
    this.clusters.set(name, c);
  }

  setGateways(name: string, gateways: Map<string, KubeObject>) {
    const c = this.clusters.get(name) ?? { name, reachable: true, gateways };
    c.gateways = gateways;
    this.clusters.set(name, c);
  }

  cluster(name: string): ClusterState | undefined {
    return this.clusters.get(name);
  }

  allClusters(): ClusterState[] {
    return [...this.clusters.values()];
  }

  private rebuild() {
    if (!this.dirty) return;
    const next = new Map<string, PolicyRecord[]>();
    const access = new Map<string, PolicyRecord[]>();
    for (const p of this.policies.values()) {
      const target = (p.resource as any).spec?.targetRef?.name;
      if (!target || !p.cluster || p.problems) continue;
      const k = `${p.cluster}|${p.namespace}|${target}`;
      const list = next.get(k) ?? [];
      list.push(p);
      next.set(k, list);
      if (p.kind === 'AIAccessPolicy') {
        const a = access.get(p.cluster) ?? [];
        a.push(p);
        access.set(p.cluster, a);
      }
    }
    this.byGateway = next;
    this.accessByCluster = access;
    this.admissionByCluster = new Map(
      [...access].map(([cluster, list]) => [cluster, admissionIndex(list)]),
    );
    this.dirty = false;
  }

  /** Policies targeting a Gateway (routing and access), indexed once per change. */
  policiesOnGateway(cluster: string, namespace: string, gateway: string) {
    this.rebuild();
    return this.byGateway.get(`${cluster}|${namespace}|${gateway}`) ?? [];
  }

  /** The access policies of a cluster. */
  accessPolicies(cluster: string): PolicyRecord[] {
    this.rebuild();
    return this.accessByCluster.get(cluster) ?? [];
  }

  /**
   * The access policies of a cluster that may concern an agent: those in its namespace and
   * those whose allowed subjects could admit its SPIFFE ID (`idFor` gives it per trust domain),
   * in the order of `accessPolicies`. A superset of the admitting ones, found without looking at
   * every policy of the cluster.
   */
  accessPoliciesFor(
    cluster: string,
    namespace: string,
    idFor: (trustDomain: string) => string,
  ): PolicyRecord[] {
    this.rebuild();
    const list = this.accessByCluster.get(cluster) ?? [];
    const admission = this.admissionByCluster.get(cluster);
    if (!admission) return [];
    const hits = new Set<number>(admission.byNamespace.get(namespace));
    const add = (positions?: number[]) => {
      for (const i of positions ?? []) hits.add(i);
    };
    for (const [domain, d] of admission.byDomain) {
      const id = idFor(domain);
      // An ID of another trust domain is admitted by none of this one's policies.
      if (!id.startsWith(`spiffe://${domain}/`)) continue;
      add(d.open);
      add(d.exact.get(id));
      for (const length of d.prefixLengths) {
        if (length <= id.length) add(d.prefix.get(id.slice(0, length)));
      }
    }
    return [...hits].sort((a, b) => a - b).map(i => list[i]);
  }

  /** Every Gateway with at least one policy, by `cluster|namespace|name`. */
  gatewayKeys(): string[] {
    this.rebuild();
    return [...this.byGateway.keys()];
  }
}
