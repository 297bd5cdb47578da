import { parseEntityRef } from '@backstage/catalog-model';
import type * as z from 'zod';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_VERSION,
  ANNOTATIONS,
  ROUTING_POLICY_KIND,
} from './constants';
import {
  accessPolicySpecSchema,
  accessPolicyStatusSchema,
  type AIAccessPolicySpec,
} from './schema/accessPolicy';
import {
  DNS_LABEL_MESSAGE,
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_MESSAGE,
  DNS_SUBDOMAIN_PATTERN,
} from './schema/common';
import type {
  AIPolicy,
  AIPolicyKind,
  PolicyMetadata,
} from './schema/resources';
import {
  routingPolicySpecSchema,
  routingPolicyStatusSchema,
  type AIRoutingPolicySpec,
} from './schema/routingPolicy';

/** One thing wrong with a policy: the field (`spec.models[3].backends[0].provider`) and why. */
export interface Problem {
  path: string;
  message: string;
}

export type ValidationResult<T> =
  | { ok: true; value: T }
  | { ok: false; problems: Problem[] };

export function formatProblem(problem: Problem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** Formats every problem, one per line. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['spec', 'models', 3, 'name']` → `spec.models[3].name`; odd keys as `["a/b"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else if (typeof segment === 'string' && IDENTIFIER.test(segment)) {
      out += out ? `.${segment}` : segment;
    } else {
      out += `[${JSON.stringify(String(segment))}]`;
    }
  }
  return out;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'number':
    case 'int':
      return 'an integer';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'boolean':
      return 'a boolean';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'number' && !Number.isInteger(value)) {
    return String(value);
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A rejected value as shown in a message: short, and safe for any input. JSON.stringify of the raw
 * input threw on deep or circular values (a YAML alias cycle, thousands of nested lists) and
 * copied megabytes of a huge value into the message.
 */
function preview(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  }
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
  ) {
    return String(value);
  }
  return describeValue(value);
}

const plural = (n: number | bigint, word: string) =>
  `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

function issueToProblems(
  issue: z.core.$ZodIssue,
  prefix: PropertyKey[],
): Problem[] {
  const at = (segments: PropertyKey[], message: string): Problem => ({
    path: formatPath([...prefix, ...segments]),
    message,
  });
  const path = issue.path;
  const input = (issue as { input?: unknown }).input;
  const got = input === undefined ? '' : ` (got ${preview(input)})`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'never') {
        return [at(path, issue.message)];
      }
      if (input === undefined) {
        return [at(path, 'required')];
      }
      return [
        at(
          path,
          `must be ${describeExpected(issue.expected)}, not ${describeValue(
            input,
          )}`,
        ),
      ];
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'string') {
        return [
          at(
            path,
            Number(min) === 1
              ? 'must not be empty'
              : `must be at least ${plural(min, 'character')}`,
          ),
        ];
      }
      if (issue.origin === 'array') {
        return [at(path, `must have at least ${plural(min, 'item')}`)];
      }
      return [at(path, `must be at least ${min}${got}`)];
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'string') {
        return [at(path, `must be at most ${plural(max, 'character')}`)];
      }
      if (issue.origin === 'array') {
        return [at(path, `must have at most ${plural(max, 'item')}`)];
      }
      return [at(path, `must be at most ${max}${got}`)];
    }
    case 'invalid_value': {
      if (input === undefined) {
        return [at(path, 'required')];
      }
      const values = issue.values.map(v => String(v));
      return [
        at(
          path,
          values.length === 1
            ? `must be "${values[0]}"${got}`
            : `must be one of ${values.join(', ')}${got}`,
        ),
      ];
    }
    case 'unrecognized_keys':
      return issue.keys.map(key => at([...path, key], 'unknown field'));
    case 'invalid_union': {
      const union = issue as z.core.$ZodIssueInvalidUnion & {
        discriminator?: string;
        options?: unknown[];
      };
      if (union.discriminator && union.options) {
        const value = (input as Record<string, unknown> | undefined)?.[
          union.discriminator
        ];
        const options = union.options.map(String).join(', ');
        return [
          at(
            path,
            value === undefined
              ? `required (one of ${options})`
              : `must be one of ${options} (got ${preview(value)})`,
          ),
        ];
      }
      return [at(path, issue.message)];
    }
    default:
      return [at(path, issue.message)];
  }
}

/** Turns zod issues into problems whose paths start with `prefix`. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  prefix: PropertyKey[] = [],
): Problem[] {
  return issues.flatMap(issue => issueToProblems(issue, prefix));
}

function validateWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  prefix: PropertyKey[],
): ValidationResult<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) {
    return { ok: true, value: result.data };
  }
  return { ok: false, problems: issuesToProblems(result.error.issues, prefix) };
}

/** Validates an AIRoutingPolicy spec; on success the value has defaults applied. */
export function validateRoutingPolicySpec(
  input: unknown,
): ValidationResult<AIRoutingPolicySpec> {
  return validateWith(routingPolicySpecSchema, input, ['spec']);
}

/** Validates an AIAccessPolicy spec; on success the value has defaults applied. */
export function validateAccessPolicySpec(
  input: unknown,
): ValidationResult<AIAccessPolicySpec> {
  return validateWith(accessPolicySpecSchema, input, ['spec']);
}

const POLICY_KINDS: readonly string[] = [
  ROUTING_POLICY_KIND,
  ACCESS_POLICY_KIND,
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameProblems(
  value: unknown,
  path: PropertyKey[],
  pattern: RegExp,
  maxLength: number,
  patternMessage: string,
  missingMessage = 'required',
): Problem[] {
  const at = (message: string) => [{ path: formatPath(path), message }];
  if (value === undefined) {
    return at(missingMessage);
  }
  if (typeof value !== 'string') {
    return at(`must be a string, not ${describeValue(value)}`);
  }
  if (value.length === 0) {
    return at('must not be empty');
  }
  if (value.length > maxLength) {
    return at(`must be at most ${maxLength} characters`);
  }
  return pattern.test(value) ? [] : at(patternMessage);
}

function kindProblems(apiVersion: unknown, kind: unknown): Problem[] {
  const problems: Problem[] = [];
  if (apiVersion !== AI_GATEWAY_API_VERSION) {
    problems.push({
      path: 'apiVersion',
      message: `must be "${AI_GATEWAY_API_VERSION}"`,
    });
  }
  if (typeof kind !== 'string' || !POLICY_KINDS.includes(kind)) {
    problems.push({
      path: 'kind',
      message: `must be one of ${POLICY_KINDS.join(', ')}`,
    });
  }
  return problems;
}

function validateSpecOfKind(
  kind: unknown,
  spec: unknown,
): ValidationResult<unknown> {
  if (kind === ROUTING_POLICY_KIND) {
    return validateRoutingPolicySpec(spec);
  }
  if (kind === ACCESS_POLICY_KIND) {
    return validateAccessPolicySpec(spec);
  }
  return { ok: true, value: spec };
}

/**
 * Validates a whole custom resource (as read from a file or a cluster). The kind comes from
 * `apiVersion`/`kind`; metadata must carry a valid name and namespace.
 */
export function validatePolicyResource(
  obj: unknown,
): ValidationResult<AIPolicy> {
  if (!isRecord(obj)) {
    return {
      ok: false,
      problems: [{ path: '', message: 'must be an object' }],
    };
  }
  const problems = kindProblems(obj.apiVersion, obj.kind);
  const metadata = obj.metadata;
  if (!isRecord(metadata)) {
    problems.push({
      path: 'metadata',
      message: metadata === undefined ? 'required' : 'must be an object',
    });
  } else {
    problems.push(
      ...nameProblems(
        metadata.name,
        ['metadata', 'name'],
        DNS_SUBDOMAIN_PATTERN,
        253,
        DNS_SUBDOMAIN_MESSAGE,
      ),
      ...nameProblems(
        metadata.namespace,
        ['metadata', 'namespace'],
        DNS_LABEL_PATTERN,
        63,
        DNS_LABEL_MESSAGE,
      ),
    );
  }
  const spec = validateSpecOfKind(obj.kind, obj.spec);
  if (!spec.ok) {
    problems.push(...spec.problems);
  }
  let status: unknown = undefined;
  if (obj.status !== undefined) {
    const statusResult = validateWith<unknown>(
      obj.kind === ROUTING_POLICY_KIND
        ? routingPolicyStatusSchema
        : accessPolicyStatusSchema,
      obj.status,
      ['status'],
    );
    if (statusResult.ok) {
      status = statusResult.value;
    } else {
      problems.push(...statusResult.problems);
    }
  }
  if (problems.length > 0 || !spec.ok) {
    return { ok: false, problems };
  }
  const resource = {
    apiVersion: AI_GATEWAY_API_VERSION,
    kind: obj.kind,
    metadata: metadata as unknown as PolicyMetadata,
    spec: spec.value,
    ...(status !== undefined ? { status } : {}),
  } as AIPolicy;
  return { ok: true, value: resource };
}

/** What a valid policy entity says, split into catalog and Kubernetes parts. */
export type ValidatedPolicyEntity =
  | ValidatedPolicyEntityOf<typeof ROUTING_POLICY_KIND, AIRoutingPolicySpec>
  | ValidatedPolicyEntityOf<typeof ACCESS_POLICY_KIND, AIAccessPolicySpec>;

export interface ValidatedPolicyEntityOf<K extends AIPolicyKind, S> {
  kind: K;
  name: string;
  namespace: string;
  /** The `aigateway.kagenti.dev/cluster` annotation; undefined means the default cluster. */
  cluster?: string;
  owner: string;
  system?: string;
  /** The Kubernetes spec (without owner and system), defaults applied. */
  spec: S;
}

function entityRefProblems(
  value: unknown,
  path: PropertyKey[],
  defaultKind: string,
  required: boolean,
): Problem[] {
  const at = (message: string) => [{ path: formatPath(path), message }];
  if (value === undefined) {
    return required ? at('required') : [];
  }
  if (typeof value !== 'string' || value.length === 0) {
    return at('must be a non-empty entity reference');
  }
  try {
    parseEntityRef(value, { defaultKind, defaultNamespace: 'default' });
  } catch (error) {
    return at(`is not a valid entity reference: ${(error as Error).message}`);
  }
  return [];
}

/**
 * Validates a catalog entity of kind AIRoutingPolicy or AIAccessPolicy: apiVersion, kind, a
 * name usable as a Kubernetes name, the namespace annotation, `spec.owner`, `spec.system` and
 * the spec itself. Reports every problem.
 */
export function validatePolicyEntity(
  entity: unknown,
): ValidationResult<ValidatedPolicyEntity> {
  if (!isRecord(entity)) {
    return {
      ok: false,
      problems: [{ path: '', message: 'must be an object' }],
    };
  }
  const problems = kindProblems(entity.apiVersion, entity.kind);
  const metadata = isRecord(entity.metadata) ? entity.metadata : {};
  const annotations = isRecord(metadata.annotations)
    ? metadata.annotations
    : {};
  problems.push(
    ...nameProblems(
      metadata.name,
      ['metadata', 'name'],
      DNS_SUBDOMAIN_PATTERN,
      253,
      `${DNS_SUBDOMAIN_MESSAGE}, because it is the Kubernetes resource name`,
    ),
    ...nameProblems(
      annotations[ANNOTATIONS.namespace],
      ['metadata', 'annotations', ANNOTATIONS.namespace],
      DNS_LABEL_PATTERN,
      63,
      `${DNS_LABEL_MESSAGE}, because it is a Kubernetes namespace`,
      'required: the Kubernetes namespace the policy is applied to',
    ),
  );
  const cluster = annotations[ANNOTATIONS.cluster];
  if (
    cluster !== undefined &&
    (typeof cluster !== 'string' || cluster.length === 0)
  ) {
    problems.push({
      path: formatPath(['metadata', 'annotations', ANNOTATIONS.cluster]),
      message: 'must be a cluster name, or left out for the default cluster',
    });
  }
  const rawSpec = entity.spec;
  let specResult: ValidationResult<unknown> = { ok: true, value: undefined };
  if (!isRecord(rawSpec)) {
    problems.push({
      path: 'spec',
      message: rawSpec === undefined ? 'required' : 'must be an object',
    });
  } else {
    const { owner, system, ...spec } = rawSpec;
    problems.push(
      ...entityRefProblems(owner, ['spec', 'owner'], 'Group', true),
      ...entityRefProblems(system, ['spec', 'system'], 'System', false),
    );
    specResult = validateSpecOfKind(entity.kind, spec);
    if (!specResult.ok) {
      problems.push(...specResult.problems);
    }
  }
  if (problems.length > 0 || !specResult.ok) {
    return { ok: false, problems };
  }
  const spec = rawSpec as Record<string, unknown>;
  return {
    ok: true,
    value: {
      kind: entity.kind,
      name: metadata.name,
      namespace: annotations[ANNOTATIONS.namespace],
      ...(cluster !== undefined ? { cluster } : {}),
      owner: spec.owner,
      ...(spec.system !== undefined ? { system: spec.system } : {}),
      spec: specResult.value,
    } as ValidatedPolicyEntity,
  };
}

/** Thrown by functions that need a valid policy; carries every problem. */
export class PolicyValidationError extends Error {
  readonly problems: Problem[];

  constructor(subject: string, problems: Problem[]) {
    super(`${subject} is invalid:\n${formatProblems(problems)}`);
    this.name = 'PolicyValidationError';
    this.problems = problems;
  }
}
