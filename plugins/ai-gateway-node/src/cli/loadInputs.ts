import { parseAllDocuments } from 'yaml';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_GROUP,
  AI_GATEWAY_API_VERSION,
  ANNOTATIONS,
  ROUTING_POLICY_KIND,
  entityToResource,
  validatePolicyEntity,
  validatePolicyResource,
  type AIPolicy,
  type Problem,
} from '@kagenti/backstage-plugin-ai-gateway-common';

/** Where a document came from: `file` or `file#2` for the second document of a stream. */
export type Origin = string;

export interface LoadedPolicy {
  origin: Origin;
  policy: AIPolicy;
}

export interface ClusterObject {
  origin: Origin;
  object: any;
}

export interface LoadedInputs {
  policies: LoadedPolicy[];
  /** Everything else in the files: the Gateway, the bundle ConfigMap, Secrets, … */
  cluster: ClusterObject[];
  problems: Array<{ origin: Origin; problem: Problem }>;
}

const POLICY_KINDS = [ROUTING_POLICY_KIND, ACCESS_POLICY_KIND];

/** A catalog entity (rather than a custom resource): it names an owner and its target namespace. */
function isEntity(doc: any): boolean {
  return (
    doc?.spec?.owner !== undefined ||
    doc?.metadata?.annotations?.[ANNOTATIONS.namespace] !== undefined
  );
}

/**
 * Reads policy files: custom resources or catalog entities of the two policy kinds (validated
 * and turned into resources), and any other objects as the cluster they would meet.
 */
export function loadInputs(
  files: Array<{ name: string; text: string }>,
): LoadedInputs {
  const out: LoadedInputs = { policies: [], cluster: [], problems: [] };
  for (const file of files) {
    const docs = parseAllDocuments(file.text);
    const documents = Array.isArray(docs) ? docs : [docs];
    const nonEmpty = documents.filter(
      d => d.contents !== null || d.errors.length,
    );
    nonEmpty.forEach((doc, i) => {
      const origin = nonEmpty.length > 1 ? `${file.name}#${i + 1}` : file.name;
      if (doc.errors.length) {
        for (const e of doc.errors) {
          const pos = e.linePos?.[0];
          out.problems.push({
            origin,
            problem: {
              path: pos ? `line ${pos.line}:${pos.col}` : '',
              message: e.message.split('\n')[0],
            },
          });
        }
        return;
      }
      let value: any;
      try {
        value = doc.toJS();
      } catch (e) {
        // Aliases that expand too far (a "billion laughs" file) or point nowhere are refused by
        // the YAML library when the document is built, not when it is parsed.
        out.problems.push({
          origin,
          problem: {
            path: '',
            message: `not valid YAML (document ${i + 1}): ${
              (e as Error).message.split('\n')[0]
            }`,
          },
        });
        return;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        out.problems.push({
          origin,
          problem: {
            path: '',
            message: 'is not a Kubernetes object or catalog entity',
          },
        });
        return;
      }
      if (
        value.apiVersion !== AI_GATEWAY_API_VERSION ||
        !POLICY_KINDS.includes(value.kind)
      ) {
        // Meant as a policy (our API group) but of no known kind or version: say so, rather than
        // taking it for a cluster object and reporting that the file holds no policy.
        if (
          typeof value.apiVersion === 'string' &&
          value.apiVersion.startsWith(`${AI_GATEWAY_API_GROUP}/`)
        ) {
          const result = validatePolicyResource(value);
          for (const problem of result.ok ? [] : result.problems)
            out.problems.push({ origin, problem });
          return;
        }
        out.cluster.push({ origin, object: value });
        return;
      }
      if (isEntity(value)) {
        const result = validatePolicyEntity(value);
        if (!result.ok) {
          for (const problem of result.problems)
            out.problems.push({ origin, problem });
          return;
        }
        const { resource } = entityToResource(value, {
          defaultCluster: 'default',
        });
        out.policies.push({ origin, policy: resource });
        return;
      }
      const result = validatePolicyResource(value);
      if (!result.ok) {
        for (const problem of result.problems)
          out.problems.push({ origin, problem });
        return;
      }
      out.policies.push({ origin, policy: result.value });
    });
  }
  return out;
}
