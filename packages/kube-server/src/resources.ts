/* The resource types the server serves: built-in kinds and those registered by CRDs. */
import crypto from 'node:crypto';
import type { CRD, CRDVersion, JSONSchemaProps } from './validation';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface ResourceType {
  group: string;
  /** Served versions; the first is the preferred one. */
  versions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  hasStatus: boolean;
  /** Whether spec changes bump `metadata.generation` (built-ins with a spec, and every custom resource). */
  generation: boolean;
  builtin: boolean;
  crd?: CRD;
  schemas?: Record<string, JSONSchemaProps | undefined>;
  columns?: Record<string, PrinterColumn[] | undefined>;
}

export const VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** `plural.group` (or `plural` for the core group), the key a resource is stored and authorized under. */
export function groupResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

type BuiltinSpec = [
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
  generation: boolean,
  categories?: string[],
];

const BUILTINS: BuiltinSpec[] = [
  ['', 'v1', 'Namespace', 'namespaces', false, ['ns'], true, false],
  ['', 'v1', 'Pod', 'pods', true, ['po'], true, false, ['all']],
  ['', 'v1', 'Service', 'services', true, ['svc'], true, false, ['all']],
  ['', 'v1', 'ConfigMap', 'configmaps', true, ['cm'], false, false],
  ['', 'v1', 'Secret', 'secrets', true, [], false, false],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa'], false, false],
  ['', 'v1', 'Event', 'events', true, ['ev'], false, false],
  ['', 'v1', 'LimitRange', 'limitranges', true, ['limits'], false, false],
  ['', 'v1', 'ResourceQuota', 'resourcequotas', true, ['quota'], true, false],
  [
    '',
    'v1',
    'PersistentVolumeClaim',
    'persistentvolumeclaims',
    true,
    ['pvc'],
    true,
    false,
  ],
  [
    '',
    'v1',
    'PersistentVolume',
    'persistentvolumes',
    false,
    ['pv'],
    true,
    false,
  ],
  ['', 'v1', 'Endpoints', 'endpoints', true, ['ep'], false, false],
  ['', 'v1', 'Node', 'nodes', false, ['no'], true, false],
  [
    'apps',
    'v1',
    'Deployment',
    'deployments',
    true,
    ['deploy'],
    true,
    true,
    ['all'],
  ],
  [
    'apps',
    'v1',
    'ReplicaSet',
    'replicasets',
    true,
    ['rs'],
    true,
    true,
    ['all'],
  ],
  [
    'apps',
    'v1',
    'StatefulSet',
    'statefulsets',
    true,
    ['sts'],
    true,
    true,
    ['all'],
  ],
  ['apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds'], true, true, ['all']],
  ['batch', 'v1', 'Job', 'jobs', true, [], true, false, ['all']],
  ['batch', 'v1', 'CronJob', 'cronjobs', true, ['cj'], true, false, ['all']],
  [
    'autoscaling',
    'v2',
    'HorizontalPodAutoscaler',
    'horizontalpodautoscalers',
    true,
    ['hpa'],
    true,
    false,
    ['all'],
  ],
  [
    'networking.k8s.io',
    'v1',
    'Ingress',
    'ingresses',
    true,
    ['ing'],
    true,
    true,
  ],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true, [], false, false],
  [
    'rbac.authorization.k8s.io',
    'v1',
    'RoleBinding',
    'rolebindings',
    true,
    [],
    false,
    false,
  ],
  [
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRole',
    'clusterroles',
    false,
    [],
    false,
    false,
  ],
  [
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    false,
    [],
    false,
    false,
  ],
  ['coordination.k8s.io', 'v1', 'Lease', 'leases', true, [], false, false],
  [
    'authorization.k8s.io',
    'v1',
    'SelfSubjectAccessReview',
    'selfsubjectaccessreviews',
    false,
    [],
    false,
    false,
  ],
  // Read-only, computed from pods (see KubeServer.podMetrics), so Backstage's pod metrics lookups succeed.
  ['metrics.k8s.io', 'v1beta1', 'PodMetrics', 'pods', true, [], false, false],
  [
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
    ['crd', 'crds'],
    true,
    true,
    ['api-extensions'],
  ],
];

export function builtinTypes(): ResourceType[] {
  return BUILTINS.map(
    ([
      group,
      version,
      kind,
      plural,
      namespaced,
      shortNames,
      hasStatus,
      generation,
      categories,
    ]) => ({
      group,
      versions: [version],
      kind,
      listKind: `${kind}List`,
      plural,
      singular: kind.toLowerCase(),
      namespaced,
      shortNames,
      categories: categories ?? [],
      hasStatus,
      generation,
      builtin: true,
    }),
  );
}

function servedVersions(crd: CRD): CRDVersion[] {
  const served = crd.spec.versions.filter(v => v.served !== false);
  // Preferred first: the storage version, as the real server's discovery orders by priority.
  return served.sort((a, b) => Number(b.storage) - Number(a.storage));
}

export function typeFromCrd(crd: CRD): ResourceType {
  const n = crd.spec.names;
  const versions = servedVersions(crd);
  return {
    group: crd.spec.group,
    versions: versions.map(v => v.name),
    kind: n.kind,
    listKind: n.listKind ?? `${n.kind}List`,
    plural: n.plural,
    singular: n.singular ?? n.kind.toLowerCase(),
    namespaced: crd.spec.scope !== 'Cluster',
    shortNames: n.shortNames ?? [],
    categories: n.categories ?? [],
    hasStatus: versions.some(v => !!v.subresources?.status),
    generation: true,
    builtin: false,
    crd,
    schemas: Object.fromEntries(
      versions.map(v => [v.name, v.schema?.openAPIV3Schema]),
    ),
    columns: Object.fromEntries(
      versions.map(v => [v.name, v.additionalPrinterColumns]),
    ),
  };
}

export function storageVersionHash(t: ResourceType, version: string): string {
  return crypto
    .createHash('sha256')
    .update(`${t.group}/${version}/${t.kind}`)
    .digest('base64')
    .slice(0, 11);
}

/** The registry of served types, keyed by group-resource. */
export class ResourceRegistry {
  private readonly byGR = new Map<string, ResourceType>();

  constructor() {
    for (const t of builtinTypes()) this.add(t);
  }

  add(t: ResourceType) {
    this.byGR.set(groupResource(t.group, t.plural), t);
  }

  remove(group: string, plural: string) {
    this.byGR.delete(groupResource(group, plural));
  }

  all(): ResourceType[] {
    return [...this.byGR.values()];
  }

  get(group: string, plural: string): ResourceType | undefined {
    return this.byGR.get(groupResource(group, plural));
  }

  /** Looks a type up by group, version and resource (plural), as in a request path. */
  lookup(
    group: string,
    version: string,
    plural: string,
  ): ResourceType | undefined {
    const t = this.byGR.get(groupResource(group, plural));
    return t && t.versions.includes(version) ? t : undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/')
      ? apiVersion.split('/')
      : ['', apiVersion];
    return this.all().find(
      t => t.group === group && t.kind === kind && t.versions.includes(version),
    );
  }

  /** Group versions in discovery order: core first, then groups with built-ins, then CRD groups. */
  groups(): Array<{ group: string; versions: string[] }> {
    const order: string[] = [];
    const versions = new Map<string, string[]>();
    for (const t of this.all()) {
      if (!versions.has(t.group)) {
        versions.set(t.group, []);
        order.push(t.group);
      }
      const vs = versions.get(t.group)!;
      for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
    }
    return order.map(g => ({ group: g, versions: versions.get(g)! }));
  }
}
