/* `Table` responses (meta.k8s.io/v1) as kubectl asks for them: server-side printer columns. */
import type { PrinterColumn, ResourceType } from './resources';
import { apiVersionOf } from './resources';

type Obj = Record<string, any>;

/** Evaluates the JSONPath subset CRDs use: `.a.b`, `[n]`, `[-1:]`, `[*]`, `[?(@.k=="v")]`. Returns all matches. */
export function evalJsonPath(obj: unknown, expr: string): unknown[] {
  let path = expr.trim();
  if (path.startsWith('{') && path.endsWith('}')) path = path.slice(1, -1);
  const tokens = path.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const tok of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (v === undefined || v === null) continue;
      if (tok.startsWith('.')) {
        if (typeof v === 'object' && !Array.isArray(v))
          next.push((v as Obj)[tok.slice(1)]);
        continue;
      }
      const inner = tok.slice(1, -1);
      if (!Array.isArray(v)) continue;
      if (inner === '*') next.push(...v);
      else if (/^-?\d+$/.test(inner)) {
        const i = Number(inner);
        next.push(v[i < 0 ? v.length + i : i]);
      } else if (/^-?\d*:-?\d*$/.test(inner)) {
        const [a, b] = inner.split(':');
        next.push(
          ...v.slice(
            a === '' ? 0 : Number(a),
            b === '' ? undefined : Number(b),
          ),
        );
      } else {
        const m = /^\?\(@\.([\w.]+)\s*==\s*["']?([^"']*)["']?\)$/.exec(inner);
        if (m)
          next.push(
            ...v.filter(x => String(evalJsonPath(x, `.${m[1]}`)[0]) === m[2]),
          );
      }
    }
    cur = next.filter(x => x !== undefined);
  }
  return cur;
}

/** kubectl's `HumanDuration`, which the server uses for date columns. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const age = (o: Obj) =>
  o.metadata?.creationTimestamp
    ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp))
    : '<unknown>';

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
  cell: (o: Obj) => unknown;
}

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
  cell: o => o.metadata?.name,
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: age,
};
const col = (
  name: string,
  cell: (o: Obj) => unknown,
  type = 'string',
  priority = 0,
): Column => ({
  name,
  type,
  description: name,
  priority,
  cell,
});

function podReady(o: Obj): string {
  const total = o.spec?.containers?.length ?? 0;
  const ready = (o.status?.containerStatuses ?? []).filter(
    (c: Obj) => c.ready,
  ).length;
  return `${ready}/${total}`;
}

const BUILTIN_COLUMNS: Record<string, Column[]> = {
  namespaces: [NAME, col('Status', o => o.status?.phase ?? 'Active'), AGE],
  pods: [
    NAME,
    col('Ready', podReady),
    col('Status', o => o.status?.phase ?? 'Pending'),
    col(
      'Restarts',
      o =>
        (o.status?.containerStatuses ?? []).reduce(
          (n: number, c: Obj) => n + (c.restartCount ?? 0),
          0,
        ),
      'integer',
    ),
    AGE,
    col('IP', o => o.status?.podIP ?? '<none>', 'string', 1),
    col('Node', o => o.spec?.nodeName ?? '<none>', 'string', 1),
  ],
  deployments: [
    NAME,
    col(
      'Ready',
      o => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
    ),
    col('Up-to-date', o => o.status?.updatedReplicas ?? 0, 'integer'),
    col('Available', o => o.status?.availableReplicas ?? 0, 'integer'),
    AGE,
  ],
  replicasets: [
    NAME,
    col('Desired', o => o.spec?.replicas ?? 1, 'integer'),
    col('Current', o => o.status?.replicas ?? 0, 'integer'),
    col('Ready', o => o.status?.readyReplicas ?? 0, 'integer'),
    AGE,
  ],
  services: [
    NAME,
    col('Type', o => o.spec?.type ?? 'ClusterIP'),
    col('Cluster-IP', o => o.spec?.clusterIP ?? '<none>'),
    col(
      'External-IP',
      o =>
        o.status?.loadBalancer?.ingress
          ?.map((i: Obj) => i.ip ?? i.hostname)
          .join(',') || '<none>',
    ),
    col(
      'Port(s)',
      o =>
        (o.spec?.ports ?? [])
          .map((p: Obj) => `${p.port}/${p.protocol ?? 'TCP'}`)
          .join(',') || '<none>',
    ),
    AGE,
  ],
  configmaps: [
    NAME,
    col(
      'Data',
      o =>
        Object.keys(o.data ?? {}).length +
        Object.keys(o.binaryData ?? {}).length,
      'integer',
    ),
    AGE,
  ],
  secrets: [
    NAME,
    col('Type', o => o.type ?? 'Opaque'),
    col('Data', o => Object.keys(o.data ?? {}).length, 'integer'),
    AGE,
  ],
  serviceaccounts: [
    NAME,
    col('Secrets', o => (o.secrets ?? []).length, 'integer'),
    AGE,
  ],
  events: [
    col('Last Seen', o =>
      o.lastTimestamp
        ? humanDuration(Date.now() - Date.parse(o.lastTimestamp))
        : age(o),
    ),
    col('Type', o => o.type),
    col('Reason', o => o.reason),
    col(
      'Object',
      o =>
        `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${
          o.involvedObject?.name ?? ''
        }`,
    ),
    col('Message', o => o.message),
  ],
  customresourcedefinitions: [
    NAME,
    col('Created At', o => o.metadata?.creationTimestamp, 'date'),
  ],
};

function crdColumns(cols: PrinterColumn[] | undefined): Column[] {
  if (!cols) return [NAME, AGE];
  return [
    NAME,
    ...cols.map(c => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description:
        c.description ??
        `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
      cell: (o: Obj) => {
        // Like the apiextensions table convertor: only the first JSONPath result is shown.
        const values = evalJsonPath(o, c.jsonPath);
        if (values.length === 0) return null;
        const v = values[0];
        if (c.type === 'date')
          return typeof v === 'string'
            ? humanDuration(Date.now() - Date.parse(v))
            : null;
        if (c.type === 'string')
          return typeof v === 'string' ? v : JSON.stringify(v);
        if (c.type === 'integer') return Number.isInteger(v) ? v : null;
        if (c.type === 'number') return typeof v === 'number' ? v : null;
        if (c.type === 'boolean') return typeof v === 'boolean' ? v : null;
        return v;
      },
    })),
  ];
}

function columnsFor(t: ResourceType, version: string): Column[] {
  if (t.builtin) return BUILTIN_COLUMNS[t.plural] ?? [NAME, AGE];
  return crdColumns(t.columns?.[version]);
}

function partialObjectMetadata(o: Obj): Obj {
  const { managedFields, ...metadata } = o.metadata ?? {};
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
  };
}

/** Builds a Table of `objects`; `withColumns` false leaves out columnDefinitions (watch events after the first). */
export function toTable(
  t: ResourceType,
  version: string,
  objects: Obj[],
  resourceVersion: string,
  extraMeta: Obj = {},
): Obj {
  const cols = columnsFor(t, version);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...extraMeta },
    columnDefinitions: cols.map(c => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority,
    })),
    rows: objects.map(o => ({
      cells: cols.map(c => {
        const v = c.cell(o);
        return v === undefined ? null : v;
      }),
      object: partialObjectMetadata({
        ...o,
        apiVersion: apiVersionOf(t.group, version),
        kind: t.kind,
      }),
    })),
  };
}
