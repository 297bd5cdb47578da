/*
 * Patches and server-side apply: JSON merge patch, strategic merge patch (built-in kinds), and
 * field ownership (`metadata.managedFields`, FieldsV1) with apply conflicts, as the API server does
 * with structured-merge-diff, in a simplified form.
 */
import { deepEqual, JSONSchemaProps } from './validation';

type Obj = Record<string, any>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What JSON leaves out of an object and writes as null in a list. */
function unserializable(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function copyJson(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'object' || v === null) return v;
  // Dates and the like: as JSON would write them.
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.parse(JSON.stringify(v));
  }
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      out[i] = unserializable(v[i]) ? null : copyJson(v[i]);
    }
    return out;
  }
  const out: Obj = {};
  for (const k of Object.keys(v)) {
    const x = (v as Obj)[k];
    if (!unserializable(x)) out[k] = copyJson(x);
  }
  return out;
}

/**
 * A deep copy with JSON's rules (what JSON cannot hold is left out of objects, null in lists;
 * non-finite numbers become null), made without serializing: a serializing round trip cost 3 to 6
 * times as much, on every patch, update and status write.
 */
export function clone<T>(v: T): T {
  return unserializable(v) ? v : (copyJson(v) as T);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// List semantics: which lists merge by key, which are sets, which are atomic.

export type ListSemantics =
  | { type: 'map'; keys: string[] }
  | { type: 'set' }
  | { type: 'atomic' };

/** Merge keys of the built-in kinds' lists, by field name (the `patchMergeKey` tags of k8s.io/api). */
function builtinListSemantics(field: string, items: unknown[]): ListSemantics {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return { type: 'map', keys: ['name'] };
    case 'volumeMounts':
      return { type: 'map', keys: ['mountPath'] };
    case 'volumeDevices':
      return { type: 'map', keys: ['devicePath'] };
    case 'ports':
      return items.some(i => isObj(i) && 'containerPort' in i)
        ? { type: 'map', keys: ['containerPort'] }
        : { type: 'map', keys: ['port'] };
    case 'conditions':
      return { type: 'map', keys: ['type'] };
    case 'ownerReferences':
      return { type: 'map', keys: ['uid'] };
    case 'finalizers':
      return { type: 'set' };
    default:
      return { type: 'atomic' };
  }
}

function schemaListSemantics(
  schema: JSONSchemaProps | undefined,
): ListSemantics | undefined {
  if (!schema) return undefined;
  const t = schema['x-kubernetes-list-type'];
  if (t === 'map' && schema['x-kubernetes-list-map-keys']?.length) {
    return { type: 'map', keys: schema['x-kubernetes-list-map-keys'] };
  }
  if (t === 'set') return { type: 'set' };
  return { type: 'atomic' };
}

/** Walks a schema and the built-in merge-key table together. `schema` is undefined for built-in kinds. */
export class Shape {
  constructor(
    readonly schema: JSONSchemaProps | undefined,
    readonly builtin: boolean,
  ) {}

  child(key: string): Shape {
    const s = this.schema;
    let sub: JSONSchemaProps | undefined;
    if (s) {
      sub =
        s.properties?.[key] ??
        (isObj(s.additionalProperties)
          ? (s.additionalProperties as JSONSchemaProps)
          : undefined);
    }
    return new Shape(sub, this.builtin);
  }

  items(): Shape {
    return new Shape(this.schema?.items, this.builtin);
  }

  list(field: string, items: unknown[]): ListSemantics {
    if (this.builtin) return builtinListSemantics(field, items);
    // metadata lists are known even for custom resources.
    if (field === 'ownerReferences' || field === 'finalizers')
      return builtinListSemantics(field, items);
    return schemaListSemantics(this.schema) ?? { type: 'atomic' };
  }

  /** Maps the schema marks as atomic are owned and replaced as a whole. */
  atomicMap(): boolean {
    return this.schema?.['x-kubernetes-map-type'] === 'atomic';
  }
}

function keyOf(item: unknown, keys: string[]): string {
  const o = isObj(item) ? item : {};
  const parts: Obj = {};
  for (const k of [...keys].sort()) parts[k] = o[k];
  return JSON.stringify(parts);
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch (built-in kinds only; custom resources answer 415 as the real server does).

export function strategicMergePatch(
  target: unknown,
  patch: unknown,
  shape: Shape,
  field = '',
): unknown {
  if (!isObj(patch)) {
    if (Array.isArray(patch) && Array.isArray(target))
      return mergeList(target, patch, shape, field);
    return clone(patch);
  }
  if (patch.$patch === 'replace') {
    const { $patch, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f]))
        out[f] = out[f].filter(
          (x: unknown) => !(v as unknown[]).some(d => deepEqual(d, x)),
        );
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const merged = strategicMergePatch(out[k], v, shape.child(k), k);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

function mergeList(
  target: unknown[],
  patch: unknown[],
  shape: Shape,
  field: string,
): unknown[] {
  const sem = shape.list(field, [...target, ...patch]);
  if (sem.type === 'set') {
    const out = [...target];
    for (const p of patch)
      if (!out.some(x => deepEqual(x, p))) out.push(clone(p));
    return out;
  }
  if (sem.type !== 'map') return clone(patch);
  const out = target.map(x => clone(x));
  for (const p of patch) {
    const k = keyOf(p, sem.keys);
    const idx = out.findIndex(x => keyOf(x, sem.keys) === k);
    if (isObj(p) && p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], p, shape.items());
    else out.push(strategicMergePatch(undefined, p, shape.items()));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Field sets (FieldsV1) and managed fields.

/** A path of FieldsV1 segments: `f:name`, `k:{"name":"x"}`, `v:"value"`. */
export type FieldPath = string[];

const META_TRACKED = new Set([
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
]);

/**
 * The set of fields `obj` sets: leaves, plus one entry per associative list item (its existence).
 * Root `apiVersion`/`kind` and untracked metadata are left out, and `status` too when `skipStatus`.
 */
export function fieldSet(
  obj: Obj,
  shape: Shape,
  opts: { skipStatus?: boolean; onlyStatus?: boolean } = {},
): Map<string, FieldPath> {
  const out = new Map<string, FieldPath>();
  forEachField(obj, shape, opts, p => out.set(JSON.stringify(p), p));
  return out;
}

/**
 * The same fields as `fieldSet`, as a FieldsV1 tree: what a manager that owns all of them
 * records. Made directly, for objects created by an apply, whose new manager is the only one.
 */
export function fieldsTree(
  obj: Obj,
  shape: Shape,
  opts: { skipStatus?: boolean; onlyStatus?: boolean } = {},
): Obj {
  const root: Obj = {};
  forEachField(obj, shape, opts, p => addToTree(root, p));
  return root;
}

/** Adds one path to a FieldsV1 tree. */
function addToTree(root: Obj, p: FieldPath): void {
  let cur = root;
  for (const seg of p) cur = cur[seg] ??= {};
}

function forEachField(
  obj: Obj,
  shape: Shape,
  opts: { skipStatus?: boolean; onlyStatus?: boolean },
  add: (p: FieldPath) => void,
): void {
  const walk = (v: unknown, s: Shape, p: FieldPath, field: string) => {
    if (isObj(v)) {
      const keys = Object.keys(v);
      if (keys.length === 0 || s.atomicMap()) {
        add(p);
        return;
      }
      for (const k of keys) walk(v[k], s.child(k), [...p, `f:${k}`], k);
    } else if (Array.isArray(v)) {
      const sem = s.list(field, v);
      if (sem.type === 'map') {
        for (const item of v) {
          const ip = [...p, `k:${keyOf(item, sem.keys)}`];
          add([...ip, '.']);
          walk(item, s.items(), ip, '');
        }
      } else if (sem.type === 'set') {
        for (const item of v) add([...p, `v:${JSON.stringify(item)}`]);
      } else add(p);
    } else add(p);
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' ? opts.skipStatus : opts.onlyStatus) continue;
    if (k === 'metadata') {
      if (!isObj(v)) continue;
      for (const mk of Object.keys(v)) {
        if (META_TRACKED.has(mk))
          walk(
            v[mk],
            new Shape(undefined, true),
            ['f:metadata', `f:${mk}`],
            mk,
          );
      }
      continue;
    }
    walk(v, shape.child(k), [`f:${k}`], k);
  }
}

/** A key field of an associative list item (`…k:{"name":"x"}, f:name`): it goes with the item, never alone. */
function isKeyField(p: FieldPath): boolean {
  const parent = p[p.length - 2];
  const last = p[p.length - 1];
  if (!parent?.startsWith('k:') || !last?.startsWith('f:')) return false;
  return Object.prototype.hasOwnProperty.call(
    JSON.parse(parent.slice(2)),
    last.slice(2),
  );
}

function isItemMarker(p: FieldPath): boolean {
  return p[p.length - 1] === '.';
}

function findItem(list: unknown[], seg: string): number {
  if (seg.startsWith('k:')) {
    const want = JSON.parse(seg.slice(2)) as Obj;
    const keys = Object.keys(want);
    return list.findIndex(
      x => isObj(x) && keys.every(k => deepEqual(x[k], want[k])),
    );
  }
  if (seg.startsWith('v:')) {
    const want = JSON.parse(seg.slice(2));
    return list.findIndex(x => deepEqual(x, want));
  }
  return -1;
}

export function getAt(obj: unknown, p: FieldPath): unknown {
  let cur: unknown = obj;
  for (const seg of p) {
    if (seg === '.') return cur;
    if (seg.startsWith('f:')) {
      if (!isObj(cur)) return undefined;
      cur = cur[seg.slice(2)];
    } else {
      if (!Array.isArray(cur)) return undefined;
      const i = findItem(cur, seg);
      if (i < 0) return undefined;
      cur = cur[i];
    }
  }
  return cur;
}

/** Removes the field at `p` (or the list item, for item markers and set values), pruning emptied parents. */
export function deleteAt(obj: Obj, p: FieldPath): void {
  const path = isItemMarker(p) ? p.slice(0, -1) : p;
  const parents: Array<{ container: any; seg: string }> = [];
  let cur: any = obj;
  for (const seg of path.slice(0, -1)) {
    parents.push({ container: cur, seg });
    if (seg.startsWith('f:')) cur = isObj(cur) ? cur[seg.slice(2)] : undefined;
    else cur = Array.isArray(cur) ? cur[findItem(cur, seg)] : undefined;
    if (cur === undefined) return;
  }
  const last = path[path.length - 1];
  if (last.startsWith('f:')) {
    if (isObj(cur)) delete cur[last.slice(2)];
  } else if (Array.isArray(cur)) {
    const i = findItem(cur, last);
    if (i >= 0) cur.splice(i, 1);
  }
  // Prune maps emptied by the removal, as the real server does not keep empty parents it created for an owner.
  for (let i = parents.length - 1; i >= 0; i--) {
    const { container, seg } = parents[i];
    const child = seg.startsWith('f:') ? container?.[seg.slice(2)] : undefined;
    if (seg.startsWith('f:') && isObj(child) && Object.keys(child).length === 0)
      delete container[seg.slice(2)];
    else break;
  }
}

/** Renders a path as the API server does in conflict messages: `.spec.containers[name="app"].image`. */
export function displayPath(p: FieldPath): string {
  let s = '';
  for (const seg of p) {
    if (seg === '.') continue;
    if (seg.startsWith('f:')) s += `.${seg.slice(2)}`;
    else if (seg.startsWith('k:')) {
      const o = JSON.parse(seg.slice(2)) as Obj;
      s += `[${Object.entries(o)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (seg.startsWith('v:')) s += `[=${seg.slice(2)}]`;
  }
  return s;
}

export function toFieldsV1(set: Map<string, FieldPath>): Obj {
  const root: Obj = {};
  for (const p of set.values()) addToTree(root, p);
  return root;
}

export function fromFieldsV1(tree: Obj | undefined): Map<string, FieldPath> {
  const out = new Map<string, FieldPath>();
  const walk = (node: Obj, p: FieldPath) => {
    const keys = Object.keys(node);
    if (keys.length === 0 && p.length) out.set(JSON.stringify(p), p);
    for (const k of keys) {
      if (k === '.') out.set(JSON.stringify([...p, '.']), [...p, '.']);
      else walk(node[k] ?? {}, [...p, k]);
    }
  };
  walk(tree ?? {}, []);
  return out;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Obj;
  subresource?: string;
}

interface Manager {
  entry: Omit<ManagedFieldsEntry, 'fieldsV1'>;
  set: Map<string, FieldPath>;
  /** The set as a FieldsV1 tree already, when it was made as one (`set` is then empty). */
  fields?: Obj;
}

function idOf(e: {
  manager: string;
  operation: string;
  subresource?: string;
}): string {
  return `${e.manager}\u0000${e.operation}\u0000${e.subresource ?? ''}`;
}

function readManagers(obj: Obj): Map<string, Manager> {
  const out = new Map<string, Manager>();
  for (const e of (obj.metadata?.managedFields ?? []) as ManagedFieldsEntry[]) {
    const { fieldsV1, ...entry } = e;
    out.set(idOf(e), { entry, set: fromFieldsV1(fieldsV1) });
  }
  return out;
}

function writeManagers(obj: Obj, managers: Map<string, Manager>) {
  const entries: ManagedFieldsEntry[] = [];
  for (const m of managers.values()) {
    const fieldsV1 = m.fields ?? toFieldsV1(m.set);
    if (Object.keys(fieldsV1).length) entries.push({ ...m.entry, fieldsV1 });
  }
  obj.metadata ??= {};
  if (entries.length) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

export interface Conflict {
  manager: string;
  apiVersion: string;
  field: string;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(conflictMessage(conflicts));
  }
}

function conflictMessage(conflicts: Conflict[]): string {
  const n = conflicts.length;
  const groups = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const k = `${c.manager}\u0000${c.apiVersion}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(c);
  }
  const parts = [...groups.values()].map(cs =>
    cs.length === 1
      ? `conflict with "${cs[0].manager}" using ${cs[0].apiVersion}: ${cs[0].field}`
      : `conflicts with "${cs[0].manager}" using ${cs[0].apiVersion}:\n${cs
          .map(c => `- ${c.field}`)
          .join('\n')}`,
  );
  return `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join(
    '\n',
  )}`;
}

/**
 * Merges an applied configuration into the live object, by the same list semantics as the field
 * sets. `config` is the caller's own copy: its parts are taken into the result, not cloned.
 */
function mergeApplied(
  live: unknown,
  config: unknown,
  shape: Shape,
  field: string,
): unknown {
  if (config === null) return undefined;
  if (isObj(config)) {
    if (shape.atomicMap()) return config;
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(config)) {
      const m = mergeApplied(out[k], v, shape.child(k), k);
      if (m === undefined) delete out[k];
      else out[k] = m;
    }
    return out;
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const sem = shape.list(field, [...live, ...config]);
    if (sem.type === 'set') {
      const out = [...live];
      for (const c of config) if (!out.some(x => deepEqual(x, c))) out.push(c);
      return out;
    }
    if (sem.type === 'map') {
      const out = [...live];
      for (const c of config) {
        const idx = out.findIndex(
          x => keyOf(x, sem.keys) === keyOf(c, sem.keys),
        );
        if (idx >= 0) out[idx] = mergeApplied(out[idx], c, shape.items(), '');
        else out.push(c);
      }
      return out;
    }
  }
  return config;
}

export interface ApplyOptions {
  manager: string;
  apiVersion: string;
  force: boolean;
  subresource?: 'status';
  /** Whether the kind has a status subresource (status then belongs to /status only). */
  hasStatus: boolean;
  shape: Shape;
  now: string;
}

/**
 * Server-side apply of `config` onto `live` (undefined when creating). Returns the new object with
 * `metadata.managedFields` updated, or throws ApplyConflictError. `config` is taken over: it is
 * changed and parts of it end up in the result, so callers pass one that is theirs to give.
 */
export function serverSideApply(
  live: Obj | undefined,
  config: Obj,
  o: ApplyOptions,
): Obj {
  const base: Obj = clone(live) ?? {};
  const managers = readManagers(base);
  const id = idOf({
    manager: o.manager,
    operation: 'Apply',
    subresource: o.subresource,
  });
  const scope =
    o.subresource === 'status'
      ? { onlyStatus: true }
      : { skipStatus: o.hasStatus };
  // Not copied: a copy cost about a tenth of the server's time under a fleet's first pass.
  const cfg = config;
  if (o.subresource === 'status') {
    for (const k of Object.keys(cfg))
      if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k))
        delete cfg[k];
  } else if (o.hasStatus) delete cfg.status;
  // With no manager yet (a create), there is nothing to conflict with or take back: the applied
  // fields are only recorded, so they are made as the tree that is stored.
  const fresh = managers.size === 0;
  const applied = fresh
    ? new Map<string, FieldPath>()
    : fieldSet(cfg, o.shape, scope);
  const fields = fresh ? fieldsTree(cfg, o.shape, scope) : undefined;

  const conflicts: Conflict[] = [];
  for (const [mid, m] of managers) {
    if (mid === id) continue;
    for (const [k, p] of applied) {
      if (isItemMarker(p) || !m.set.has(k)) continue;
      if (deepEqual(getAt(base, p), getAt(cfg, p))) continue;
      if (o.force) m.set.delete(k);
      else
        conflicts.push({
          manager: m.entry.manager,
          apiVersion: m.entry.apiVersion,
          field: displayPath(p),
        });
    }
  }
  if (conflicts.length) {
    // structured-merge-diff reports conflicts ordered by manager, then path.
    conflicts.sort(
      (x, y) =>
        x.manager.localeCompare(y.manager) ||
        (x.field < y.field ? -1 : Number(x.field > y.field)),
    );
    throw new ApplyConflictError(conflicts);
  }

  // Fields this manager applied before but no longer does are removed, unless someone else owns them.
  const previous = managers.get(id)?.set ?? new Map<string, FieldPath>();
  for (const [k, p] of previous) {
    if (applied.has(k)) continue;
    const ownedElsewhere = [...managers.entries()].some(
      ([mid, m]) =>
        mid !== id &&
        [...m.set.keys()].some(
          ok =>
            ok === k ||
            (isItemMarker(p) &&
              ok.startsWith(JSON.stringify(p.slice(0, -1)).slice(0, -1))),
        ),
    );
    if (!ownedElsewhere && !isKeyField(p)) deleteAt(base, p);
  }

  const { metadata: cfgMeta, ...cfgRest } = cfg;
  let merged = mergeApplied(base, cfgRest, o.shape, '') as Obj;
  if (isObj(cfgMeta)) {
    const meta: Obj = { ...(merged.metadata ?? {}) };
    for (const k of ['name', 'namespace', 'generateName'])
      if (cfgMeta[k] !== undefined && meta[k] === undefined)
        meta[k] = cfgMeta[k];
    for (const k of META_TRACKED) {
      if (cfgMeta[k] !== undefined)
        meta[k] = mergeApplied(
          meta[k],
          cfgMeta[k],
          new Shape(undefined, true),
          k,
        );
    }
    merged = { ...merged, metadata: meta };
  }
  managers.delete(id);
  managers.set(id, {
    entry: {
      manager: o.manager,
      operation: 'Apply',
      apiVersion: o.apiVersion,
      time: o.now,
      fieldsType: 'FieldsV1',
      ...(o.subresource ? { subresource: o.subresource } : {}),
    },
    set: applied,
    fields,
  });
  writeManagers(merged, managers);
  return merged;
}

export interface UpdateTrackOptions {
  manager: string;
  apiVersion: string;
  subresource?: 'status';
  hasStatus: boolean;
  shape: Shape;
  now: string;
}

/**
 * Records an Update operation (create, PUT, patch) in `next.metadata.managedFields`: the manager takes
 * the fields it changed; fields that disappeared are dropped from every manager.
 */
export function trackUpdate(
  prev: Obj | undefined,
  next: Obj,
  o: UpdateTrackOptions,
): void {
  const managers = readManagers(prev ?? {});
  const scope =
    o.subresource === 'status'
      ? { onlyStatus: true }
      : { skipStatus: o.hasStatus };
  const before = prev
    ? fieldSet(prev, o.shape, scope)
    : new Map<string, FieldPath>();
  const after = fieldSet(next, o.shape, scope);
  const changed = new Map<string, FieldPath>();
  for (const [k, p] of after) {
    if (!before.has(k) || !deepEqual(getAt(prev, p), getAt(next, p)))
      changed.set(k, p);
  }
  for (const m of managers.values()) {
    for (const k of [...m.set.keys()]) {
      const inScope = scope.onlyStatus
        ? k.startsWith('["f:status"')
        : !(scope.skipStatus && k.startsWith('["f:status"'));
      if (inScope && (!after.has(k) || changed.has(k))) m.set.delete(k);
    }
  }
  if (changed.size) {
    const id = idOf({
      manager: o.manager,
      operation: 'Update',
      subresource: o.subresource,
    });
    const existing = managers.get(id);
    const set = existing?.set ?? new Map<string, FieldPath>();
    for (const [k, p] of changed) set.set(k, p);
    managers.delete(id);
    managers.set(id, {
      entry: {
        manager: o.manager,
        operation: 'Update',
        apiVersion: o.apiVersion,
        time: o.now,
        fieldsType: 'FieldsV1',
        ...(o.subresource ? { subresource: o.subresource } : {}),
      },
      set,
    });
  }
  writeManagers(next, managers);
}
