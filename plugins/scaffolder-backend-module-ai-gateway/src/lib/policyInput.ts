import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_GROUP,
  ROUTING_POLICY_KIND,
  formatProblem,
  validatePolicyEntity,
  type Problem,
  type ValidatedPolicyEntity,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

/** Where the policy comes from: a workspace file or an inline entity. */
export interface PolicySource {
  path?: string;
  entity?: string | Record<string, unknown>;
}

/** One policy document, as written (for the catalog) and as validated. */
export interface PolicyDocument {
  /** `path` or `path#2` for the second document of a file; `inline` for inline input. */
  source: string;
  raw: Record<string, unknown>;
}

export interface CheckedPolicy extends PolicyDocument {
  result:
    | { ok: true; value: ValidatedPolicyEntity }
    | { ok: false; problems: Problem[] };
}

const POLICY_KINDS = [ROUTING_POLICY_KIND, ACCESS_POLICY_KIND];

/** Problems listed per policy in an error; the rest are counted. */
const MAX_LISTED_PROBLEMS = 20;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A document meant as a policy: the policy API group or one of the two kinds. */
function isPolicyDocument(doc: Record<string, unknown>): boolean {
  return (
    (typeof doc.apiVersion === 'string' &&
      doc.apiVersion.startsWith(`${AI_GATEWAY_API_GROUP}/`)) ||
    POLICY_KINDS.includes(String(doc.kind))
  );
}

function parseYaml(text: string, source: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text);
  const out: Record<string, unknown>[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      throw new InputError(
        `${source}: not valid YAML (document ${i + 1}): ${
          doc.errors[0].message
        }`,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      // Aliases that expand too far (a "billion laughs" input) or point nowhere are refused by
      // the YAML library only when the document is built.
      throw new InputError(
        `${source}: not valid YAML (document ${i + 1}): ${
          (e as Error).message.split('\n')[0]
        }`,
      );
    }
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      throw new InputError(
        `${source}: document ${i + 1} is not a YAML mapping (an entity)`,
      );
    }
    out.push(value);
  }
  return out;
}

/**
 * Reads the policy documents of a workspace file (resolved inside the workspace; `..` and
 * absolute paths outside it are refused) or of inline YAML / an inline object. Documents that are
 * not policies (a Component or Location next to the policy) are skipped.
 */
export async function readPolicyDocuments(
  input: PolicySource,
  workspacePath: string,
): Promise<PolicyDocument[]> {
  if ((input.path === undefined) === (input.entity === undefined)) {
    throw new InputError('give exactly one of "path" and "entity"');
  }
  let docs: Record<string, unknown>[];
  let source: string;
  if (input.path !== undefined) {
    source = input.path;
    let file: string;
    try {
      file = resolveSafeChildPath(workspacePath, input.path);
    } catch {
      throw new InputError(
        `path "${input.path}" is outside the workspace; give a path relative to the workspace`,
      );
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new InputError(
        `cannot read "${input.path}" in the workspace: ${
          (e as NodeJS.ErrnoException).code ?? (e as Error).message
        }`,
      );
    }
    docs = parseYaml(text, source);
  } else if (typeof input.entity === 'string') {
    source = 'inline';
    docs = parseYaml(input.entity, source);
  } else {
    source = 'inline';
    docs = [input.entity as Record<string, unknown>];
  }
  const policies = docs
    .map((raw, i) => ({
      source: docs.length > 1 ? `${source}#${i + 1}` : source,
      raw,
    }))
    .filter(d => isPolicyDocument(d.raw));
  if (policies.length === 0) {
    throw new InputError(
      `${source}: no ${ROUTING_POLICY_KIND} or ${ACCESS_POLICY_KIND} entity found`,
    );
  }
  return policies;
}

/** Validates every document; never throws for invalid policies. */
export function checkPolicies(docs: PolicyDocument[]): CheckedPolicy[] {
  return docs.map(d => ({ ...d, result: validatePolicyEntity(d.raw) }));
}

/** An error listing every problem of every invalid policy, each with its field path. */
export function problemsError(
  checked: CheckedPolicy[],
): InputError | undefined {
  const invalid = checked.filter(c => !c.result.ok);
  if (invalid.length === 0) return undefined;
  const blocks = invalid.map(c => {
    const problems = (c.result as { problems: Problem[] }).problems;
    const meta = isRecord(c.raw.metadata) ? c.raw.metadata : {};
    const what = `${String(c.raw.kind ?? 'entity')} "${String(
      meta.name ?? '?',
    )}" (${c.source})`;
    // The first problems only: thousands of lines would bury the task log.
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length - listed.length;
    return `${what} has ${problems.length} problem${
      problems.length === 1 ? '' : 's'
    }:\n${listed.map(p => `  - ${formatProblem(p)}`).join('\n')}${
      more > 0 ? `\n  - and ${more} more` : ''
    }`;
  });
  return new InputError(`Invalid policy:\n${blocks.join('\n')}`);
}

/** The catalog entity ref of a policy document, e.g. `airoutingpolicy:default/team1-models`. */
export function policyEntityRef(doc: PolicyDocument): string {
  const meta = isRecord(doc.raw.metadata) ? doc.raw.metadata : {};
  const namespace =
    typeof meta.namespace === 'string' ? meta.namespace : 'default';
  return `${String(doc.raw.kind).toLocaleLowerCase(
    'en-US',
  )}:${namespace}/${String(meta.name)}`;
}
