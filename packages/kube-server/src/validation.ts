/*
 * Structural OpenAPI v3 validation as the Kubernetes API server applies it to
 * custom resources (apiextensions "structural schemas"), plus CRD loading.
 *
 * Not covered: CEL rules (`x-kubernetes-validations`) are skipped, and
 * `x-kubernetes-list-map-keys` uniqueness is checked only for `set` lists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One validation problem; `path` is like `spec.rules[3].backendRefs[0].name`. */
export interface SchemaProblem {
  path: string;
  message: string;
  /** `unknown` problems are unknown fields (the real server answers them with 400, not 422). */
  type?:
    | 'invalid'
    | 'required'
    | 'unsupported'
    | 'unknown'
    | 'tooLong'
    | 'tooMany'
    | 'duplicate';
}

/** A subset of the JSON Schema properties used in CRD `openAPIV3Schema`. */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: boolean | JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  default?: unknown;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  description?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: unknown[];
  [key: string]: unknown;
}

export interface CRDVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: object; scale?: object };
  additionalPrinterColumns?: Array<{
    name: string;
    type: string;
    jsonPath: string;
    format?: string;
    description?: string;
    priority?: number;
  }>;
  deprecated?: boolean;
  deprecationWarning?: string;
}

/** A CustomResourceDefinition (apiextensions.k8s.io/v1), as far as this package reads it. */
export interface CRD {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string; [key: string]: unknown };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind?: string;
      plural: string;
      singular?: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: CRDVersion[];
    [key: string]: unknown;
  };
  status?: unknown;
  /** The file this CRD was loaded from, when loaded by `loadCrds`. */
  source?: string;
}

export interface ValidateOptions {
  /** Reject fields the schema does not declare (default true, as `fieldValidation=Strict`). */
  rejectUnknownFields?: boolean;
  /** Validate `metadata` at the root against the schema too (default false: the server checks ObjectMeta itself). */
  validateRootMetadata?: boolean;
}

const MAX_VALUE_CHARS = 120;

function show(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (value === undefined) s = 'null';
  else s = JSON.stringify(value) ?? String(value);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}...` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(base: string, key: string): string {
  if (!base) return key;
  return `${base}.${key}`;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const regexCache = new Map<string, RegExp | null>();
/** Go RE2 patterns are mostly valid JS; those that are not are skipped rather than failing every object. */
function compilePattern(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
    }
    regexCache.set(pattern, re);
  }
  return re;
}

const FORMATS: Record<string, (v: unknown) => boolean> = {
  int32: v => typeof v !== 'number' || (v >= -2147483648 && v <= 2147483647),
  int64: v =>
    typeof v !== 'number' || Number.isSafeInteger(v) || Number.isInteger(v),
  'date-time': v =>
    typeof v !== 'string' ||
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(
      v,
    ),
  date: v => typeof v !== 'string' || /^\d{4}-\d{2}-\d{2}$/.test(v),
  byte: v =>
    typeof v !== 'string' ||
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  uuid: v =>
    typeof v !== 'string' ||
    /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(
      v,
    ),
  ipv4: v =>
    typeof v !== 'string' ||
    /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(
      v,
    ),
  hostname: v =>
    typeof v !== 'string' ||
    (v.length <= 255 &&
      /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(
        v,
      )),
};

class Validator {
  readonly problems: SchemaProblem[] = [];
  /** Whether any problem was found; a quiet validator stops at the first. */
  failed = false;

  /**
   * A quiet validator only tells whether a value passes (anyOf, oneOf and not branches): it
   * builds no messages, which is where failing branches spent their time.
   */
  constructor(
    private readonly opts: Required<ValidateOptions>,
    private readonly quiet = false,
  ) {}

  add(
    p: string,
    message: () => string,
    type: SchemaProblem['type'] = 'invalid',
  ) {
    this.failed = true;
    if (!this.quiet) this.problems.push({ path: p, message: message(), type });
  }

  /** Whether `value` passes `schema`, judged the way combinators judge their branches. */
  passes(schema: JSONSchemaProps, value: unknown, p: string): boolean {
    const trial = new Validator(this.opts, true);
    trial.node(schema, value, p, false);
    return !trial.failed;
  }

  /** Validates `value` at `p`; `structural` is false inside anyOf/oneOf/allOf/not, where unknown fields are not judged. */
  node(
    schema: JSONSchemaProps,
    value: unknown,
    p: string,
    structural: boolean,
  ) {
    if (!schema || typeof schema !== 'object' || (this.quiet && this.failed))
      return;
    if (value === null) {
      if (
        !schema.nullable &&
        (schema.type || schema['x-kubernetes-int-or-string'])
      ) {
        this.add(
          p,
          () =>
            `Invalid value: "null": ${p} in body must be of type ${
              schema.type ?? 'integer or string'
            }: "null"`,
        );
      }
      return;
    }
    if (!this.typeOk(schema, value, p)) return;

    const allowed = schema.enum;
    if (
      allowed &&
      !(typeof value === 'object'
        ? allowed.some(e => deepEqual(e, value))
        : allowed.includes(value))
    ) {
      this.add(
        p,
        () =>
          `Unsupported value: ${show(value)}: supported values: ${allowed
            .map(show)
            .join(', ')}`,
        'unsupported',
      );
    }
    if (typeof value === 'number') this.number(schema, value, p);
    else if (typeof value === 'string') this.string(schema, value, p);
    else if (Array.isArray(value)) this.array(schema, value, p, structural);
    else if (isPlainObject(value)) this.object(schema, value, p, structural);

    if (
      schema.format &&
      FORMATS[schema.format] &&
      !FORMATS[schema.format](value)
    ) {
      this.add(
        p,
        () =>
          `Invalid value: ${show(value)}: ${p} in body must be of type ${
            schema.format
          }: ${show(value)}`,
      );
    }
    this.combinators(schema, value, p);
  }

  typeOk(schema: JSONSchemaProps, value: unknown, p: string): boolean {
    const actual = jsonType(value);
    if (schema['x-kubernetes-int-or-string']) {
      if (actual === 'integer' || actual === 'string') return true;
      this.add(
        p,
        () =>
          `Invalid value: ${show(
            value,
          )}: ${p} in body must be of type integer,string: ${show(actual)}`,
      );
      return false;
    }
    const t = schema.type;
    if (!t) return true;
    const ok =
      t === actual ||
      (t === 'number' && actual === 'integer') ||
      (t === 'object' && actual === 'object') ||
      (t === 'array' && actual === 'array');
    if (!ok) {
      this.add(
        p,
        () =>
          `Invalid value: ${show(
            value,
          )}: ${p} in body must be of type ${t}: ${show(actual)}`,
      );
    }
    return ok;
  }

  number(s: JSONSchemaProps, v: number, p: string) {
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
        this.add(
          p,
          () =>
            `Invalid value: ${v}: ${p} in body should be greater than ${
              s.exclusiveMinimum ? '' : 'or equal to '
            }${s.minimum}`,
        );
      }
    }
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
        this.add(
          p,
          () =>
            `Invalid value: ${v}: ${p} in body should be less than ${
              s.exclusiveMaximum ? '' : 'or equal to '
            }${s.maximum}`,
        );
      }
    }
    if (
      s.multipleOf &&
      Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9
    ) {
      this.add(
        p,
        () =>
          `Invalid value: ${v}: ${p} in body should be a multiple of ${s.multipleOf}`,
      );
    }
  }

  string(s: JSONSchemaProps, v: string, p: string) {
    // Lengths count code points: between half the UTF-16 length and all of it. They are counted
    // (which copies the string) only when that range does not already settle both bounds.
    const { maxLength, minLength } = s;
    const len =
      (maxLength !== undefined && v.length > maxLength) ||
      (minLength !== undefined && v.length < 2 * minLength)
        ? [...v].length
        : v.length;
    if (s.maxLength !== undefined && len > s.maxLength) {
      this.add(
        p,
        () => `Too long: may not be more than ${s.maxLength} bytes`,
        'tooLong',
      );
    }
    if (s.minLength !== undefined && len < s.minLength) {
      this.add(
        p,
        () =>
          `Invalid value: ${show(v)}: ${p} in body should be at least ${
            s.minLength
          } chars long`,
      );
    }
    if (s.pattern) {
      const re = compilePattern(s.pattern);
      if (re && !re.test(v)) {
        this.add(
          p,
          () =>
            `Invalid value: ${show(v)}: ${p} in body should match '${
              s.pattern
            }'`,
        );
      }
    }
  }

  array(s: JSONSchemaProps, v: unknown[], p: string, structural: boolean) {
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      this.add(
        p,
        () => `Too many: ${v.length}: must have at most ${s.maxItems} items`,
        'tooMany',
      );
    }
    if (s.minItems !== undefined && v.length < s.minItems) {
      this.add(
        p,
        () =>
          `Invalid value: ${v.length}: ${p} in body should have at least ${s.minItems} items`,
      );
    }
    const listType = s['x-kubernetes-list-type'];
    if (s.uniqueItems || listType === 'set') {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const key = stableStringify(item);
        if (seen.has(key))
          this.add(
            `${p}[${i}]`,
            () => `Duplicate value: ${show(item)}`,
            'duplicate',
          );
        seen.add(key);
      });
    }
    if (listType === 'map' && s['x-kubernetes-list-map-keys']) {
      const keys = s['x-kubernetes-list-map-keys'];
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const key = JSON.stringify(keys.map(k => item[k] ?? null));
        if (seen.has(key)) {
          const shown = keys.map(k => `"${k}":${show(item[k])}`).join(',');
          this.add(
            `${p}[${i}]`,
            () => `Duplicate value: map[string]interface {}{${shown}}`,
            'duplicate',
          );
        }
        seen.add(key);
      });
    }
    if (s.items) {
      v.forEach((item, i) =>
        this.node(s.items!, item, `${p}[${i}]`, structural),
      );
    }
  }

  object(
    s: JSONSchemaProps,
    v: Record<string, unknown>,
    p: string,
    structural: boolean,
  ) {
    const keys = Object.keys(v);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      this.add(
        p,
        () =>
          `Too many: ${keys.length}: must have at most ${s.maxProperties} items`,
        'tooMany',
      );
    }
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      this.add(
        p,
        () =>
          `Invalid value: ${keys.length}: ${p} in body should have at least ${s.minProperties} properties`,
      );
    }
    for (const r of s.required ?? []) {
      if (!(r in v)) this.add(join(p, r), () => 'Required value', 'required');
    }
    const embedded = s['x-kubernetes-embedded-resource'];
    // Fields the schema does not declare are reported, unless it keeps or allows any.
    const judgeUnknown =
      structural &&
      this.opts.rejectUnknownFields &&
      s.additionalProperties !== true &&
      !s['x-kubernetes-preserve-unknown-fields'] &&
      hasStructure(s);
    // Nothing to judge per field (a branch that only lists required fields, a free-form map):
    // skip the walk.
    if (
      !s.properties &&
      !isPlainObject(s.additionalProperties) &&
      !judgeUnknown
    )
      return;
    const props = s.properties ?? {};
    for (const k of keys) {
      if (this.quiet && this.failed) return;
      const child = join(p, k);
      if (p === '' && k === 'metadata' && !this.opts.validateRootMetadata)
        continue;
      if (
        embedded &&
        (k === 'apiVersion' || k === 'kind' || k === 'metadata') &&
        !props[k]
      )
        continue;
      if (props[k]) {
        this.node(props[k], v[k], child, structural);
      } else if (isPlainObject(s.additionalProperties)) {
        this.node(s.additionalProperties, v[k], `${p}[${k}]`, structural);
      } else if (
        judgeUnknown &&
        !(p === '' && (k === 'apiVersion' || k === 'kind'))
      ) {
        this.add(child, () => `unknown field "${child}"`, 'unknown');
      }
    }
  }

  combinators(s: JSONSchemaProps, v: unknown, p: string) {
    const { allOf, anyOf, oneOf, not } = s;
    if (!allOf && !anyOf && !oneOf && !not) return;
    // Every problem of an allOf branch is the value's own.
    for (const sub of allOf ?? []) this.node(sub, v, p, false);
    if (anyOf?.length && !anyOf.some(sub => this.passes(sub, v, p))) {
      this.add(
        p,
        () =>
          `Invalid value: ${show(
            v,
          )}: ${p} in body must match at least one schema in anyOf`,
      );
    }
    if (oneOf?.length) {
      let passing = 0;
      for (const sub of oneOf) {
        if (this.passes(sub, v, p) && ++passing > 1) break;
      }
      if (passing !== 1) {
        this.add(
          p,
          () =>
            `Invalid value: ${show(
              v,
            )}: ${p} in body must match exactly one schema in oneOf`,
        );
      }
    }
    if (not && this.passes(not, v, p)) {
      this.add(
        p,
        () =>
          `Invalid value: ${show(
            v,
          )}: ${p} in body should not be valid against schema in not`,
      );
    }
  }
}

/** An object schema that declares nothing (no properties, no additionalProperties) is a free-form map in practice. */
function hasStructure(s: JSONSchemaProps): boolean {
  return (
    s.properties !== undefined ||
    s.type === 'object' ||
    s.additionalProperties === false
  );
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (
    typeof a !== typeof b ||
    a === null ||
    b === null ||
    typeof a !== 'object'
  )
    return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every(
    k => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]),
  );
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map(k => `${JSON.stringify(k)}:${stableStringify(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Validates `obj` against a CRD version's `openAPIV3Schema` the way the API server does
 * (structure, types, enums, required, bounds, lengths, patterns, item counts, cheap formats,
 * unknown fields). Returns every problem, empty when valid. CEL rules are not evaluated.
 */
export function validateAgainstSchema(
  openAPIV3Schema: object,
  obj: unknown,
  options: ValidateOptions = {},
): SchemaProblem[] {
  const v = new Validator({
    rejectUnknownFields: options.rejectUnknownFields ?? true,
    validateRootMetadata: options.validateRootMetadata ?? false,
  });
  v.node(uniform(openAPIV3Schema as JSONSchemaProps), obj, '', true);
  return v.problems;
}

/** Schemas as the validator reads them, by the schema objects they were made from. */
const uniformSchemas = new WeakMap<object, JSONSchemaProps>();

/**
 * The schema with the fields the validator reads, every one present and always in the same
 * order, down the whole tree (made once per schema). Schemas parsed from YAML come in hundreds of
 * shapes, and reading their fields in those shapes cost more than the checks themselves.
 */
function uniform(schema: JSONSchemaProps): JSONSchemaProps {
  if (!isPlainObject(schema)) return schema;
  let u = uniformSchemas.get(schema);
  if (u) return u;
  const sub = (x: unknown) =>
    isPlainObject(x) ? uniform(x as JSONSchemaProps) : undefined;
  const subs = (x: unknown) =>
    Array.isArray(x)
      ? (x.map(sub).filter(Boolean) as JSONSchemaProps[])
      : undefined;
  u = {
    type: schema.type,
    format: schema.format,
    properties: undefined,
    additionalProperties:
      typeof schema.additionalProperties === 'boolean'
        ? schema.additionalProperties
        : undefined,
    items: undefined,
    required: schema.required,
    enum: schema.enum,
    minimum: schema.minimum,
    maximum: schema.maximum,
    exclusiveMinimum: schema.exclusiveMinimum,
    exclusiveMaximum: schema.exclusiveMaximum,
    multipleOf: schema.multipleOf,
    minLength: schema.minLength,
    maxLength: schema.maxLength,
    pattern: schema.pattern,
    minItems: schema.minItems,
    maxItems: schema.maxItems,
    uniqueItems: schema.uniqueItems,
    minProperties: schema.minProperties,
    maxProperties: schema.maxProperties,
    nullable: schema.nullable,
    allOf: undefined,
    anyOf: undefined,
    oneOf: undefined,
    not: undefined,
    'x-kubernetes-preserve-unknown-fields':
      schema['x-kubernetes-preserve-unknown-fields'],
    'x-kubernetes-int-or-string': schema['x-kubernetes-int-or-string'],
    'x-kubernetes-embedded-resource': schema['x-kubernetes-embedded-resource'],
    'x-kubernetes-list-type': schema['x-kubernetes-list-type'],
    'x-kubernetes-list-map-keys': schema['x-kubernetes-list-map-keys'],
  };
  // Registered before its parts, so a schema that refers to itself ends.
  uniformSchemas.set(schema, u);
  if (isPlainObject(schema.properties)) {
    const properties: Record<string, JSONSchemaProps> = Object.create(null);
    for (const [k, v] of Object.entries(schema.properties)) {
      const child = sub(v);
      if (child) properties[k] = child;
    }
    u.properties = properties;
  }
  u.additionalProperties =
    sub(schema.additionalProperties) ?? u.additionalProperties;
  u.items = sub(schema.items);
  u.allOf = subs(schema.allOf);
  u.anyOf = subs(schema.anyOf);
  u.oneOf = subs(schema.oneOf);
  u.not = sub(schema.not);
  return u;
}

/** Where a schema's defaults are: the properties that have one or hold one, and the same for items and maps. */
interface DefaultsPlan {
  properties: Array<[string, JSONSchemaProps]>;
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
}

/** Plans by schema object; null where nothing beneath declares a default (most of a schema). */
const defaultsPlans = new WeakMap<JSONSchemaProps, DefaultsPlan | null>();

function defaultsPlan(schema: JSONSchemaProps): DefaultsPlan | null {
  const known = defaultsPlans.get(schema);
  if (known !== undefined) return known;
  defaultsPlans.set(schema, null); // a schema that refers to itself adds nothing
  const holds = (sub: unknown): sub is JSONSchemaProps =>
    isPlainObject(sub) && defaultsPlan(sub) !== null;
  const properties = Object.entries(schema.properties ?? {}).filter(
    ([, sub]) =>
      isPlainObject(sub) && (sub.default !== undefined || holds(sub)),
  );
  const plan: DefaultsPlan = {
    properties,
    items: holds(schema.items) ? schema.items : undefined,
    additionalProperties: holds(schema.additionalProperties)
      ? schema.additionalProperties
      : undefined,
  };
  const any =
    properties.length > 0 ||
    plan.items !== undefined ||
    plan.additionalProperties !== undefined;
  defaultsPlans.set(schema, any ? plan : null);
  return any ? plan : null;
}

/**
 * Fills `default` values from the schema into `obj` in place, as the API server does on create
 * and update. Only the parts of the schema that hold defaults are walked.
 */
export function applyDefaults(
  schema: JSONSchemaProps | undefined,
  obj: unknown,
): void {
  const plan = schema && defaultsPlan(schema);
  if (!plan) return;
  if (Array.isArray(obj)) {
    if (plan.items) for (const item of obj) applyDefaults(plan.items, item);
    return;
  }
  if (!isPlainObject(obj)) return;
  for (const [k, sub] of plan.properties) {
    if (obj[k] === undefined && sub.default !== undefined) {
      obj[k] = structuredClone(sub.default);
    }
    if (obj[k] !== undefined) applyDefaults(sub, obj[k]);
  }
  if (plan.additionalProperties) {
    for (const k of Object.keys(obj)) {
      if (!schema.properties?.[k])
        applyDefaults(plan.additionalProperties, obj[k]);
    }
  }
}

/** Reads every CustomResourceDefinition in the `.yaml`/`.yml`/`.json` files of `dir` (recursively, multi-document). */
export function loadCrds(dir: string): CRD[] {
  const out: CRD[] = [];
  const walk = (d: string) => {
    for (const entry of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/.test(entry.name))
        out.push(...parseCrds(fs.readFileSync(full, 'utf8'), full));
    }
  };
  if (fs.statSync(dir).isDirectory()) walk(dir);
  else out.push(...parseCrds(fs.readFileSync(dir, 'utf8'), dir));
  return out;
}

/** Parses the CRDs in a multi-document YAML text; other kinds are ignored. */
export function parseCrds(text: string, source?: string): CRD[] {
  const out: CRD[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      throw new Error(`${source ?? 'CRD YAML'}: ${doc.errors[0].message}`);
    }
    const value = doc.toJS({ maxAliasCount: -1 });
    if (isPlainObject(value) && value.kind === 'CustomResourceDefinition') {
      const crd = value as unknown as CRD;
      if (source)
        Object.defineProperty(crd, 'source', {
          value: source,
          enumerable: false,
        });
      out.push(crd);
    }
  }
  return out;
}

/** The CRD serving `apiVersion` (`group/version`) and `kind`, or undefined. */
export function findCrd(
  crds: CRD[],
  apiVersion: string,
  kind: string,
): CRD | undefined {
  const [group, version] = apiVersion.includes('/')
    ? apiVersion.split('/')
    : ['', apiVersion];
  return crds.find(
    c =>
      c.spec.group === group &&
      c.spec.names.kind === kind &&
      c.spec.versions.some(v => v.name === version && v.served !== false),
  );
}

/** The `openAPIV3Schema` of one version of a CRD. */
export function crdSchema(
  crd: CRD,
  version: string,
): JSONSchemaProps | undefined {
  return crd.spec.versions.find(v => v.name === version)?.schema
    ?.openAPIV3Schema;
}

/**
 * Validates a whole object (with `apiVersion` and `kind`) against the matching CRD in `crds`.
 * A kind with no CRD is reported as one problem at path `kind`.
 */
export function validateObject(
  crds: CRD[],
  obj: unknown,
  options?: ValidateOptions,
): SchemaProblem[] {
  if (
    !isPlainObject(obj) ||
    typeof obj.apiVersion !== 'string' ||
    typeof obj.kind !== 'string'
  ) {
    return [
      {
        path: '',
        message: 'object must have string apiVersion and kind',
        type: 'invalid',
      },
    ];
  }
  const crd = findCrd(crds, obj.apiVersion, obj.kind);
  if (!crd) {
    return [
      {
        path: 'kind',
        message: `no CRD serves ${obj.kind} in ${obj.apiVersion}`,
        type: 'invalid',
      },
    ];
  }
  const schema = crdSchema(crd, obj.apiVersion.split('/').pop()!);
  const problems: SchemaProblem[] = [];
  const meta = obj.metadata;
  if (
    !isPlainObject(meta) ||
    (typeof meta.name !== 'string' && typeof meta.generateName !== 'string')
  ) {
    problems.push({
      path: 'metadata.name',
      message: 'Required value: name or generateName is required',
      type: 'required',
    });
  }
  if (schema) problems.push(...validateAgainstSchema(schema, obj, options));
  return problems;
}

/**
 * Removes the fields the schema does not declare (CRD pruning), in place, as the API server does
 * for `fieldValidation=Ignore|Warn`. Root `apiVersion`, `kind` and `metadata` are kept.
 */
export function pruneUnknownFields(
  schema: JSONSchemaProps | undefined,
  obj: unknown,
  root = true,
): void {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(obj)) {
    obj.forEach(item => pruneUnknownFields(schema.items, item, false));
    return;
  }
  if (!isPlainObject(obj)) return;
  const props = schema.properties ?? {};
  const embedded = schema['x-kubernetes-embedded-resource'];
  for (const k of Object.keys(obj)) {
    if (
      (root || embedded) &&
      (k === 'apiVersion' || k === 'kind' || k === 'metadata')
    )
      continue;
    if (props[k]) pruneUnknownFields(props[k], obj[k], false);
    else if (isPlainObject(schema.additionalProperties))
      pruneUnknownFields(schema.additionalProperties, obj[k], false);
    else if (schema.additionalProperties !== true && hasStructure(schema))
      delete obj[k];
  }
}
