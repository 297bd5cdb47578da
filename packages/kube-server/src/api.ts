/*
 * The semantics of the API: create, get, list, update, patch, apply, delete, with resourceVersion
 * concurrency, generation, status subresource, validation, managed fields, garbage collection.
 * HTTP lives in KubeServer.ts; this module throws StatusError for the HTTP layer to render.
 */
import crypto from 'node:crypto';
import { applyPatch, Operation } from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import {
  ApplyConflictError,
  clone,
  isObj,
  mergePatch,
  serverSideApply,
  Shape,
  strategicMergePatch,
  trackUpdate,
} from './merge';
import {
  apiVersionOf,
  groupResource,
  ResourceRegistry,
  ResourceType,
  typeFromCrd,
} from './resources';
import { decodeErrors, validateBuiltin } from './builtinValidation';
import { Store } from './store';
import {
  applyDefaults,
  CRD,
  deepEqual,
  JSONSchemaProps,
  pruneUnknownFields,
  SchemaProblem,
  validateAgainstSchema,
} from './validation';

type Obj = Record<string, any>;

/**
 * An apply body: YAML, which clients (kubectl, client libraries) mostly send as JSON. JSON is
 * YAML, and JSON.parse reads it many times faster than a YAML parser, so JSON-looking bodies
 * take that path; anything else, or JSON.parse's failure, goes to the YAML parser and its errors.
 */
function parseApplyBody(raw: string): unknown {
  if (raw.trimStart().startsWith('{')) {
    try {
      return JSON.parse(raw);
    } catch {
      // Flow-style YAML, or broken JSON: the YAML parser decides and explains.
    }
  }
  return parseYaml(raw);
}

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** An error the HTTP layer renders as a `Status` object. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toStatus(): Obj {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export function qualified(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export const notFound = (t: ResourceType, name: string) =>
  new StatusError(404, 'NotFound', `${qualified(t)} "${name}" not found`, {
    name,
    group: t.group || undefined,
    kind: t.plural,
  });

export const conflict = (t: ResourceType, name: string) =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(
      t,
    )} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: t.group || undefined, kind: t.plural },
  );

export const badRequest = (message: string) =>
  new StatusError(400, 'BadRequest', message);

const CAUSE_REASONS: Record<string, string> = {
  invalid: 'FieldValueInvalid',
  required: 'FieldValueRequired',
  unsupported: 'FieldValueNotSupported',
  tooLong: 'FieldValueTooLong',
  tooMany: 'FieldValueTooMany',
  duplicate: 'FieldValueDuplicate',
  unknown: 'FieldValueInvalid',
};

export function invalid(
  t: ResourceType,
  name: string,
  problems: SchemaProblem[],
): StatusError {
  const parts = problems.map(p => `${p.path}: ${p.message}`);
  const subject = t.group ? `${t.kind}.${t.group}` : t.kind;
  return new StatusError(
    422,
    'Invalid',
    `${subject} "${name}" is invalid: ${
      parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`
    }`,
    {
      name,
      group: t.group || undefined,
      kind: t.kind,
      causes: problems.map(p => ({
        reason: CAUSE_REASONS[p.type ?? 'invalid'],
        message: p.message,
        field: p.path,
      })),
    },
  );
}

export interface RequestContext {
  /** Field manager for managedFields. */
  manager: string;
  dryRun?: boolean;
  /** `Strict` (default for kubectl), `Warn` (the server default), `Ignore`. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Warnings to return in `Warning` headers. */
  warnings?: string[];
  /** Keep `status` on create (admin seeding; the API drops it as the real server does). */
  keepStatus?: boolean;
}

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The time in whole seconds, as Kubernetes writes timestamps; formatted once per second. */
const clock = { second: NaN, text: '' };
function nowIso(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== clock.second) {
    clock.second = second;
    clock.text = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return clock.text;
}

function randomSuffix(n = 5): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < n; i++) s += chars[crypto.randomInt(chars.length)];
  return s;
}

/** Strips what changes on every write (resourceVersion, managed-field timestamps), to detect no-op updates. */
function comparable(o: Obj): Obj {
  const { metadata, ...rest } = o;
  const { resourceVersion, managedFields, generation, ...meta } =
    metadata ?? {};
  const owners = (managedFields ?? []).map(({ time, ...m }: Obj) => m);
  return { ...rest, metadata: meta, owners };
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export class ApiCore {
  readonly registry = new ResourceRegistry();
  /** Called after a CRD is registered or removed, to refresh discovery caches. */
  onTypesChanged: () => void = () => {};

  constructor(readonly store: Store) {}

  shape(t: ResourceType, version: string): Shape {
    return new Shape(t.schemas?.[version], t.builtin);
  }

  schema(t: ResourceType, version: string): JSONSchemaProps | undefined {
    return t.schemas?.[version];
  }

  get(t: ResourceType, ns: string | undefined, name: string): Obj {
    const o = this.store.get(
      groupResource(t.group, t.plural),
      t.namespaced ? ns : undefined,
      name,
    );
    if (!o) throw notFound(t, name);
    return o;
  }

  tryGet(
    t: ResourceType,
    ns: string | undefined,
    name: string,
  ): Obj | undefined {
    return this.store.get(
      groupResource(t.group, t.plural),
      t.namespaced ? ns : undefined,
      name,
    );
  }

  list(t: ResourceType, ns: string | undefined): Obj[] {
    return this.store.list(
      groupResource(t.group, t.plural),
      t.namespaced ? ns : undefined,
    );
  }

  /** The object as served in `version` (custom resources are stored once; conversion is `None`). */
  asVersion(t: ResourceType, version: string, o: Obj): Obj {
    const apiVersion = apiVersionOf(t.group, version);
    return o.apiVersion === apiVersion ? o : { ...o, apiVersion };
  }

  private checkNamespace(t: ResourceType, ns: string | undefined) {
    if (!t.namespaced) return;
    if (!ns) throw badRequest('the namespace of the object is required');
    const nsType = this.registry.get('', 'namespaces')!;
    const nsObj = this.tryGet(nsType, undefined, ns);
    if (!nsObj) {
      throw new StatusError(404, 'NotFound', `namespaces "${ns}" not found`, {
        name: ns,
        kind: 'namespaces',
      });
    }
    if (nsObj.metadata.deletionTimestamp) {
      throw new StatusError(
        403,
        'Forbidden',
        `${t.plural} "" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
  }

  /** Validates metadata and, for custom resources, the schema. Mutates `obj` (defaults, pruning). */
  private validate(
    t: ResourceType,
    version: string,
    obj: Obj,
    ctx: RequestContext,
  ) {
    const name = obj.metadata?.name ?? '';
    const problems: SchemaProblem[] = [];
    const nameRe =
      t.plural === 'namespaces' || t.plural === 'services'
        ? DNS_LABEL
        : DNS_SUBDOMAIN;
    if (!name)
      problems.push({
        path: 'metadata.name',
        message: 'Required value: name or generateName is required',
        type: 'required',
      });
    else if (!nameRe.test(name) || name.length > 253) {
      problems.push({
        path: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(
          name,
        )}: a lowercase RFC 1123 ${
          nameRe === DNS_LABEL ? 'label' : 'subdomain'
        } must consist of lower case alphanumeric characters, '-'${
          nameRe === DNS_LABEL ? '' : " or '.'"
        }, and must start and end with an alphanumeric character`,
        type: 'invalid',
      });
    }
    for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
      if (typeof v !== 'string')
        problems.push({
          path: `metadata.labels[${k}]`,
          message: `Invalid value: ${JSON.stringify(v)}: must be a string`,
          type: 'invalid',
        });
    }
    if (t.plural === 'customresourcedefinitions')
      problems.push(...this.validateCrd(obj));
    if (t.builtin) {
      const decodeError = decodeErrors(t.kind, obj);
      if (decodeError) throw badRequest(decodeError);
      problems.push(...validateBuiltin(t.group, t.plural, obj));
    }
    const schema = this.schema(t, version);
    if (schema) {
      applyDefaults(schema, obj);
      const found = validateAgainstSchema(schema, obj);
      const unknown = found.filter(p => p.type === 'unknown');
      problems.push(...found.filter(p => p.type !== 'unknown'));
      if (unknown.length) {
        const mode = ctx.fieldValidation ?? 'Warn';
        if (mode === 'Strict' && problems.length === 0) {
          throw badRequest(
            `${t.kind} in version "${version}" cannot be handled as a ${
              t.kind
            }: strict decoding error: ${unknown
              .map(u => `unknown field "${u.path}"`)
              .join(', ')}`,
          );
        }
        if (mode === 'Warn')
          for (const u of unknown)
            ctx.warnings?.push(`unknown field "${u.path}"`);
        pruneUnknownFields(schema, obj);
      }
    }
    if (problems.length) throw invalid(t, name, problems);
  }

  private validateCrd(obj: Obj): SchemaProblem[] {
    const p: SchemaProblem[] = [];
    const spec = obj.spec ?? {};
    if (!spec.group)
      p.push({
        path: 'spec.group',
        message: 'Required value',
        type: 'required',
      });
    if (!spec.names?.plural)
      p.push({
        path: 'spec.names.plural',
        message: 'Required value',
        type: 'required',
      });
    if (!spec.names?.kind)
      p.push({
        path: 'spec.names.kind',
        message: 'Required value',
        type: 'required',
      });
    if (!['Namespaced', 'Cluster'].includes(spec.scope)) {
      p.push({
        path: 'spec.scope',
        message: `Unsupported value: ${JSON.stringify(
          spec.scope ?? '',
        )}: supported values: "Cluster", "Namespaced"`,
        type: 'unsupported',
      });
    }
    if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
      p.push({
        path: 'spec.versions',
        message:
          'Invalid value: null: must have exactly one version marked as storage version',
        type: 'invalid',
      });
    } else if (spec.versions.filter((v: Obj) => v.storage).length !== 1) {
      p.push({
        path: 'spec.versions',
        message: `Invalid value: ${JSON.stringify(
          spec.versions.map((v: Obj) => v.name),
        )}: must have exactly one version marked as storage version`,
        type: 'invalid',
      });
    }
    if (
      spec.group &&
      spec.names?.plural &&
      obj.metadata?.name !== `${spec.names.plural}.${spec.group}`
    ) {
      p.push({
        path: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(
          obj.metadata?.name,
        )}: must be spec.names.plural+"."+spec.group`,
        type: 'invalid',
      });
    }
    if (p.length === 0) {
      const existing = this.registry.get(spec.group, spec.names.plural);
      if (existing?.builtin)
        p.push({
          path: 'spec.group',
          message: `Invalid value: ${JSON.stringify(
            spec.group,
          )}: cannot override a built-in resource`,
          type: 'invalid',
        });
    }
    return p;
  }

  /** Kind-specific defaults the real server (or its controllers) would fill in. */
  private defaults(t: ResourceType, obj: Obj, creating: boolean) {
    if (t.builtin && t.group === '') {
      if (t.plural === 'namespaces' && creating) {
        obj.spec ??= { finalizers: ['kubernetes'] };
        obj.status = { phase: 'Active', ...(obj.status ?? {}) };
        obj.metadata.labels = {
          'kubernetes.io/metadata.name': obj.metadata.name,
          ...(obj.metadata.labels ?? {}),
        };
      }
      if (t.plural === 'secrets') {
        obj.type ??= 'Opaque';
        if (obj.stringData) {
          obj.data = { ...(obj.data ?? {}) };
          for (const [k, v] of Object.entries(obj.stringData))
            obj.data[k] = Buffer.from(String(v)).toString('base64');
          delete obj.stringData;
        }
      }
      if (t.plural === 'services') {
        obj.spec ??= {};
        obj.spec.type ??= 'ClusterIP';
        if (obj.spec.type !== 'ExternalName' && !obj.spec.clusterIP) {
          const n = crypto.randomInt(1, 65000);
          obj.spec.clusterIP = `10.96.${n >> 8}.${n & 255}`;
          obj.spec.clusterIPs = [obj.spec.clusterIP];
        }
        for (const p of obj.spec.ports ?? []) {
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port;
        }
      }
      if (t.plural === 'pods' && creating) obj.status ??= { phase: 'Pending' };
    }
    if (t.plural === 'deployments' && t.group === 'apps') {
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
    }
  }

  private stamp(t: ResourceType, obj: Obj) {
    obj.metadata.uid = crypto.randomUUID();
    obj.metadata.creationTimestamp = nowIso();
    if (t.generation) obj.metadata.generation = 1;
    for (const k of [
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'selfLink',
    ])
      delete obj.metadata[k];
  }

  create(
    t: ResourceType,
    version: string,
    ns: string | undefined,
    body: Obj,
    ctx: RequestContext,
  ): Obj {
    const apiVersion = apiVersionOf(t.group, version);
    if (!isObj(body))
      throw badRequest('the body of the request is not an object');
    if (body.apiVersion && body.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (body.kind && body.kind !== t.kind) {
      throw badRequest(
        `the kind in the data (${body.kind}) does not match the expected kind (${t.kind})`,
      );
    }
    const obj: Obj = clone(body);
    obj.apiVersion = apiVersion;
    obj.kind = t.kind;
    obj.metadata = isObj(obj.metadata) ? obj.metadata : {};
    if (t.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      obj.metadata.namespace = ns ?? obj.metadata.namespace;
    } else delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    if (t.hasStatus && !ctx.keepStatus && t.plural !== 'namespaces')
      delete obj.status;
    delete obj.metadata.resourceVersion;
    delete obj.metadata.managedFields;
    this.validate(t, version, obj, ctx);
    this.checkNamespace(t, obj.metadata.namespace);
    if (this.tryGet(t, obj.metadata.namespace, obj.metadata.name)) {
      throw new StatusError(
        409,
        'AlreadyExists',
        `${qualified(t)} "${obj.metadata.name}" already exists`,
        {
          name: obj.metadata.name,
          group: t.group || undefined,
          kind: t.plural,
        },
      );
    }
    this.stamp(t, obj);
    this.defaults(t, obj, true);
    trackUpdate(undefined, obj, {
      manager: ctx.manager,
      apiVersion,
      hasStatus: t.hasStatus,
      shape: this.shape(t, version),
      now: obj.metadata.creationTimestamp,
    });
    return this.commit(t, undefined, obj, ctx);
  }

  /** Writes a new or changed object: resourceVersion, CRD registration, store, events. */
  private commit(
    t: ResourceType,
    prev: Obj | undefined,
    obj: Obj,
    ctx: RequestContext,
  ): Obj {
    if (
      t.plural === 'customresourcedefinitions' &&
      t.group === 'apiextensions.k8s.io'
    )
      this.crdStatus(obj);
    if (ctx.dryRun) {
      obj.metadata.resourceVersion = prev?.metadata.resourceVersion ?? '';
      return obj;
    }
    obj.metadata.resourceVersion = String(this.store.nextRV());
    this.store.put(
      groupResource(t.group, t.plural),
      obj,
      prev ? 'MODIFIED' : 'ADDED',
    );
    if (
      t.plural === 'customresourcedefinitions' &&
      t.group === 'apiextensions.k8s.io'
    )
      this.registerCrd(obj as CRD);
    return obj;
  }

  private crdStatus(obj: Obj) {
    const now = nowIso();
    obj.status = {
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: now,
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: now,
        },
      ],
      acceptedNames: obj.spec?.names ?? {},
      storedVersions: (obj.spec?.versions ?? [])
        .filter((v: Obj) => v.storage)
        .map((v: Obj) => v.name),
    };
  }

  registerCrd(crd: CRD) {
    const t = typeFromCrd(crd);
    const prev = this.registry.get(t.group, t.plural);
    if (prev?.builtin) return;
    this.registry.add(t);
    this.onTypesChanged();
  }

  /** PUT. `sub` is 'status' for the status subresource. */
  update(
    t: ResourceType,
    version: string,
    ns: string | undefined,
    name: string,
    body: Obj,
    ctx: RequestContext,
    sub?: 'status',
  ): Obj {
    if (!isObj(body))
      throw badRequest('the body of the request is not an object');
    const existing = this.get(t, ns, name);
    if (body.metadata?.name && body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const rv = body.metadata?.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) throw conflict(t, name);
    if (!rv && !t.builtin) {
      throw invalid(t, name, [
        {
          path: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
          type: 'invalid',
        },
      ]);
    }
    return this.replaceWith(t, version, existing, clone(body), ctx, sub);
  }

  /** Common path of update and patch: `next` is the full intended object. */
  private replaceWith(
    t: ResourceType,
    version: string,
    existing: Obj,
    next: Obj,
    ctx: RequestContext,
    sub?: 'status',
    tracked = false,
  ): Obj {
    const apiVersion = apiVersionOf(t.group, version);
    let obj: Obj;
    if (sub === 'status') {
      obj = { ...clone(existing), status: next.status };
      if (next.status === undefined) delete obj.status;
      if (tracked) obj.metadata.managedFields = next.metadata?.managedFields;
    } else {
      obj = next;
      obj.apiVersion = apiVersion;
      obj.kind = t.kind;
      obj.metadata = isObj(obj.metadata) ? obj.metadata : {};
      const keep = [
        'name',
        'namespace',
        'uid',
        'creationTimestamp',
        'generation',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
      ];
      for (const k of keep) {
        if (existing.metadata[k] === undefined) delete obj.metadata[k];
        else obj.metadata[k] = existing.metadata[k];
      }
      if (!tracked)
        obj.metadata.managedFields = existing.metadata.managedFields;
      if (t.hasStatus) {
        if (existing.status === undefined) delete obj.status;
        else obj.status = existing.status;
      }
      this.defaults(t, obj, false);
    }
    this.validate(t, version, obj, ctx);
    if (!tracked) {
      trackUpdate(existing, obj, {
        manager: ctx.manager,
        apiVersion,
        subresource: sub,
        hasStatus: t.hasStatus,
        shape: this.shape(t, version),
        now: nowIso(),
      });
    }
    if (!obj.metadata.managedFields) delete obj.metadata.managedFields;
    if (deepEqual(comparable(existing), comparable(obj))) return existing;
    if (t.generation && this.specChanged(t, existing, obj))
      obj.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    obj.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (
      existing.metadata.deletionTimestamp &&
      !(obj.metadata.finalizers ?? []).length
    ) {
      const gone = this.commit(t, existing, obj, ctx);
      if (!ctx.dryRun) this.remove(t, gone, 'Background');
      return gone;
    }
    return this.commit(t, existing, obj, ctx);
  }

  private specChanged(t: ResourceType, a: Obj, b: Obj): boolean {
    if (t.builtin && t.plural !== 'customresourcedefinitions')
      return !deepEqual(a.spec, b.spec);
    const strip = (o: Obj) => {
      const { metadata, status, apiVersion, kind, ...rest } = o;
      return t.hasStatus ? rest : { ...rest, status };
    };
    if (t.plural === 'customresourcedefinitions')
      return !deepEqual(a.spec, b.spec);
    return !deepEqual(strip(a), strip(b));
  }

  patch(
    t: ResourceType,
    version: string,
    ns: string | undefined,
    name: string,
    contentType: string,
    raw: string,
    ctx: RequestContext & { force?: boolean },
    sub?: 'status',
  ): { object: Obj; created: boolean } {
    const type = contentType.split(';')[0].trim();
    if (
      type === 'application/apply-patch+yaml' ||
      type === 'application/apply-patch+cbor'
    ) {
      return this.apply(t, version, ns, name, raw, ctx, sub);
    }
    const existing = this.get(t, ns, name);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    let next: Obj;
    if (type === 'application/json-patch+json') {
      if (!Array.isArray(body))
        throw badRequest(
          'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
        );
      try {
        next = applyPatch(clone(existing), body as Operation[], true, true)
          .newDocument as Obj;
      } catch (e) {
        throw new StatusError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${
            (e as Error).message.split('\n')[0]
          }`,
        );
      }
    } else if (type === 'application/merge-patch+json') {
      next = mergePatch(existing, body) as Obj;
    } else if (type === 'application/strategic-merge-patch+json') {
      if (!t.builtin) {
        throw new StatusError(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      }
      next = strategicMergePatch(existing, body, this.shape(t, version)) as Obj;
    } else {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${
          t.builtin ? ', application/strategic-merge-patch+json' : ''
        }`,
      );
    }
    if (!isObj(next)) throw badRequest('the patch did not produce an object');
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) throw conflict(t, name);
    return {
      object: this.replaceWith(t, version, existing, next, ctx, sub),
      created: false,
    };
  }

  private apply(
    t: ResourceType,
    version: string,
    ns: string | undefined,
    name: string,
    raw: string,
    ctx: RequestContext & { force?: boolean },
    sub?: 'status',
  ): { object: Obj; created: boolean } {
    const apiVersion = apiVersionOf(t.group, version);
    if (!ctx.manager || ctx.manager === '') {
      throw new StatusError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: is required for apply patch',
              field: 'fieldManager',
            },
          ],
        },
      );
    }
    let config: unknown;
    try {
      config = parseApplyBody(raw);
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    if (!isObj(config))
      throw badRequest(
        'error decoding YAML: the applied configuration is not an object',
      );
    if (!config.apiVersion)
      throw badRequest(
        `invalid object type: /, Kind=${
          config.kind ?? ''
        }: Object 'apiVersion' is missing`,
      );
    if (!config.kind)
      throw badRequest(
        `Object 'Kind' is missing in '${raw.trim().slice(0, 200)}'`,
      );
    if (config.apiVersion !== apiVersion || config.kind !== t.kind) {
      throw badRequest(
        `the API version in the data (${config.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (config.metadata?.name && config.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const existing = this.tryGet(t, ns, name);
    const rv = config.metadata?.resourceVersion;
    if (rv && (!existing || rv !== existing.metadata.resourceVersion))
      throw conflict(t, name);
    const opts = {
      manager: ctx.manager,
      apiVersion,
      force: !!ctx.force,
      hasStatus: t.hasStatus,
      shape: this.shape(t, version),
      now: nowIso(),
      subresource: sub,
    };
    let merged: Obj;
    try {
      merged = serverSideApply(existing, config, opts);
    } catch (e) {
      if (e instanceof ApplyConflictError) {
        throw new StatusError(409, 'Conflict', e.message, {
          causes: e.conflicts.map(c => ({
            reason: 'FieldManagerConflict',
            message: `conflict with "${c.manager}" using ${c.apiVersion}`,
            field: c.field,
          })),
        });
      }
      throw e;
    }
    if (!existing) {
      if (sub) throw notFound(t, name);
      const obj: Obj = { ...merged, apiVersion, kind: t.kind };
      obj.metadata = { ...obj.metadata, name };
      if (t.namespaced) obj.metadata.namespace = ns;
      delete obj.metadata.resourceVersion;
      this.validate(t, version, obj, ctx);
      this.checkNamespace(t, obj.metadata.namespace);
      this.stamp(t, obj);
      this.defaults(t, obj, true);
      return { object: this.commit(t, undefined, obj, ctx), created: true };
    }
    return {
      object: this.replaceWith(t, version, existing, merged, ctx, sub, true),
      created: false,
    };
  }

  delete(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    opts: DeleteOptions,
    ctx: RequestContext,
  ): Obj {
    const existing = this.get(t, ns, name);
    const pre = opts.preconditions ?? {};
    if (
      (pre.uid && pre.uid !== existing.metadata.uid) ||
      (pre.resourceVersion &&
        pre.resourceVersion !== existing.metadata.resourceVersion)
    ) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified(
          t,
        )} "${name}": Precondition failed: ${
          pre.uid
            ? `UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`
            : `ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`
        }`,
        { name, group: t.group || undefined, kind: t.plural },
      );
    }
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name,
        group: t.group || undefined,
        kind: t.plural,
        uid: existing.metadata.uid,
      },
    };
    if (ctx.dryRun) return status;
    const finalizers: string[] = existing.metadata.finalizers ?? [];
    const isNamespace = t.plural === 'namespaces' && t.group === '';
    if (finalizers.length && !isNamespace) {
      if (existing.metadata.deletionTimestamp) return existing;
      const marked = clone(existing);
      marked.metadata.deletionTimestamp = nowIso();
      marked.metadata.deletionGracePeriodSeconds = 0;
      return this.commit(t, existing, marked, ctx);
    }
    if (isNamespace) {
      // The real server answers with the Terminating namespace, then its controller empties and removes it.
      const marked = clone(existing);
      marked.metadata.deletionTimestamp = nowIso();
      marked.status = { ...(marked.status ?? {}), phase: 'Terminating' };
      const committed = this.commit(t, existing, marked, ctx);
      for (const other of this.registry.all()) {
        if (!other.namespaced) continue;
        for (const o of this.list(other, name))
          this.remove(other, o, 'Background');
      }
      this.remove(t, committed, 'Background');
      return committed;
    }
    this.remove(t, existing, opts.propagationPolicy ?? 'Background');
    return status;
  }

  /** Removes an object now, emitting DELETED, then collects its dependents. */
  remove(
    t: ResourceType,
    obj: Obj,
    propagation: 'Background' | 'Foreground' | 'Orphan',
  ) {
    const gr = groupResource(t.group, t.plural);
    if (!this.store.get(gr, obj.metadata.namespace, obj.metadata.name)) return;
    const gone = {
      ...obj,
      metadata: {
        ...obj.metadata,
        resourceVersion: String(this.store.nextRV()),
      },
    };
    this.store.remove(gr, gone);
    if (
      t.plural === 'customresourcedefinitions' &&
      t.group === 'apiextensions.k8s.io'
    ) {
      const crdType = this.registry.get(obj.spec.group, obj.spec.names.plural);
      if (crdType && !crdType.builtin) {
        for (const o of this.list(crdType, undefined))
          this.remove(crdType, o, 'Background');
        this.registry.remove(obj.spec.group, obj.spec.names.plural);
        this.store.dropResource(
          groupResource(obj.spec.group, obj.spec.names.plural),
        );
        this.onTypesChanged();
      }
    }
    this.collectDependents(obj, propagation);
  }

  /** Owner-reference garbage collection: dependents with no remaining owner are deleted (or orphaned). */
  private collectDependents(
    owner: Obj,
    propagation: 'Background' | 'Foreground' | 'Orphan',
  ) {
    const uid = owner.metadata.uid;
    for (const t of this.registry.all()) {
      if (owner.metadata.namespace && !t.namespaced) continue;
      const gr = groupResource(t.group, t.plural);
      for (const o of this.store.list(
        gr,
        t.namespaced ? owner.metadata.namespace : undefined,
      )) {
        const refs: Obj[] = o.metadata.ownerReferences ?? [];
        if (!refs.some(r => r.uid === uid)) continue;
        const remaining = refs.filter(r => r.uid !== uid);
        if (
          propagation === 'Orphan' ||
          remaining.some(r => this.ownerExists(r, o.metadata.namespace))
        ) {
          const next = clone(o);
          next.metadata.ownerReferences = remaining;
          if (!remaining.length) delete next.metadata.ownerReferences;
          this.commit(t, o, next, { manager: 'kube-server-garbage-collector' });
        } else {
          this.remove(t, o, 'Background');
        }
      }
    }
  }

  private ownerExists(ref: Obj, ns: string | undefined): boolean {
    const t = this.registry.byKind(ref.apiVersion ?? '', ref.kind ?? '');
    if (!t) return false;
    const o = this.tryGet(t, ns, ref.name);
    return !!o && o.metadata.uid === ref.uid;
  }
}
