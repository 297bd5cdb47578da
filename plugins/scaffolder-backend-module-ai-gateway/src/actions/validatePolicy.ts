import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { ValidatedPolicyEntity } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  checkPolicies,
  policyEntityRef,
  problemsError,
  readPolicyDocuments,
} from '../lib/policyInput';

const examples = [
  {
    description: 'Validate the policy a template rendered into the workspace',
    example: `steps:
  - id: validate
    name: Validate the policy
    action: aigateway:policy:validate
    input:
      path: catalog-info.yaml`,
  },
  {
    description: 'Validate an inline policy entity',
    example: `steps:
  - id: validate
    action: aigateway:policy:validate
    input:
      entity: |
        apiVersion: aigateway.kagenti.dev/v1alpha1
        kind: AIAccessPolicy
        metadata:
          name: ai-gateway-access
          annotations:
            backstage.io/kubernetes-namespace: team1
        spec:
          owner: group:default/platform
          targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ai-gateway}
          mtls:
            trustDomain: localtest.me
            trustBundleConfigMap: {name: spire-bundle, namespace: spire-system, key: bundle.spiffe}`,
  },
];

function describe(v: ValidatedPolicyEntity): string {
  const where = `namespace ${v.namespace}${
    v.cluster ? `, cluster ${v.cluster}` : ''
  }`;
  if (v.kind === 'AIRoutingPolicy') {
    const spec = v.spec;
    return `${v.kind} ${v.name} (${where}) on Gateway ${spec.targetRef.name}: ${
      spec.providers.length
    } provider(s), models ${spec.models.map(m => m.name).join(', ')}`;
  }
  const mtls = v.spec.mtls;
  const subjects = mtls.allowedSubjects?.length
    ? `${mtls.allowedSubjects.length} allowed subject(s)`
    : `the whole trust domain`;
  return `${v.kind} ${v.name} (${where}) on Gateway ${v.spec.targetRef.name}: trust domain ${mtls.trustDomain}, ${subjects}`;
}

/**
 * `aigateway:policy:validate`: fails the step with every problem of every policy, each with the
 * field path, so a template never publishes a policy the catalog would reject.
 */
export function createPolicyValidateAction() {
  return createTemplateAction({
    id: 'aigateway:policy:validate',
    description:
      'Validates AIRoutingPolicy / AIAccessPolicy catalog entities from a workspace file or inline, and fails with every problem and its field path.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string({
              description:
                'A file in the workspace holding the policy entity (YAML; several documents are fine, non-policy documents are skipped). Must stay inside the workspace.',
            })
            .optional(),
        entity: z =>
          z
            .union([z.string(), z.record(z.string(), z.unknown())], {
              description:
                'The policy entity inline, as YAML text or an object.',
            })
            .optional(),
      },
      output: {
        policies: z =>
          z
            .array(
              z.object({
                entityRef: z.string(),
                kind: z.string(),
                name: z.string(),
                namespace: z.string(),
                cluster: z.string().optional(),
                gateway: z.string(),
              }),
            )
            .describe(
              'The valid policies: catalog ref, kind, name, target namespace, cluster (absent: the default one) and Gateway.',
            ),
        summary: z =>
          z
            .string()
            .describe('One line per policy, for the template output text.'),
      },
    },
    async handler(ctx) {
      const docs = await readPolicyDocuments(ctx.input, ctx.workspacePath);
      const checked = checkPolicies(docs);
      const error = problemsError(checked);
      if (error) {
        ctx.logger.error(error.message);
        throw error;
      }
      const policies = checked.map(c => {
        const v = (c.result as { value: ValidatedPolicyEntity }).value;
        return {
          entityRef: policyEntityRef(c),
          kind: v.kind,
          name: v.name,
          namespace: v.namespace,
          ...(v.cluster ? { cluster: v.cluster } : {}),
          gateway: v.spec.targetRef.name,
          line: describe(v),
        };
      });
      for (const p of policies) ctx.logger.info(`valid: ${p.line}`);
      ctx.output(
        'policies',
        policies.map(({ line: _line, ...p }) => p),
      );
      ctx.output('summary', policies.map(p => p.line).join('\n'));
    },
  });
}
