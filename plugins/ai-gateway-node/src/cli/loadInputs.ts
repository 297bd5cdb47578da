import { parseAllDocuments } from 'yaml';
import {
  ACCESS_POLICY_KIND,
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
      const value = doc.toJS();
      if (!value || typeof value !== 'object') {
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
