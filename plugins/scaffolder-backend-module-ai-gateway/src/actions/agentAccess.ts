import type { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  ACCESS_POLICY_KIND,
  ANNOTATIONS,
  GATEWAY_RESOURCE_TYPE,
  ROUTING_POLICY_KIND,
  validatePolicyEntity,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  computeAgentAccess,
  type GatewayInfo,
  type PolicyInfo,
} from '../lib/agentAccess';

const examples = [
  {
    description:
      'Before creating an agent: the SPIFFE ID, endpoint and models it will get from a gateway',
    example: `steps:
  - id: access
    name: Look up the agent's AI access
    action: aigateway:agent:access
    input:
      namespace: team1
      serviceAccount: weather-agent
      gateway: resource:default/ai-gateway
      models: [gpt-4o]`,
  },
  {
    description: 'For an agent already in the catalog',
    example: `steps:
  - id: access
    action: aigateway:agent:access
    input:
      entityRef: component:default/weather-agent`,
  },
];

function gatewayOf(entity: Entity, defaultCluster: string): GatewayInfo {
  const annotations = entity.metadata.annotations ?? {};
  const namespace = annotations[ANNOTATIONS.namespace];
  if (!namespace) {
    throw new InputError(
      `gateway ${stringifyEntityRef(entity)} has no ${
        ANNOTATIONS.namespace
      } annotation`,
    );
  }
  return {
    name: entity.metadata.name,
    namespace,
    cluster: annotations[ANNOTATIONS.cluster] ?? defaultCluster,
    entityRef: stringifyEntityRef(entity),
  };
}

/**
 * `aigateway:agent:access`: an agent's SPIFFE ID, gateway endpoint and models, computed from the
 * policies in the catalog with the shared SPIFFE and policy code of `-common`. Works for an agent
 * that does not exist yet (a template computes it before rendering the manifests).
 */
export function createAgentAccessAction(options: {
  config: Config;
  catalog: CatalogService;
}) {
  const { config, catalog } = options;
  const defaultCluster =
    config.getOptionalString('aiGateway.defaultCluster') ?? 'local';
  return createTemplateAction({
    id: 'aigateway:agent:access',
    description:
      "Outputs an agent's SPIFFE ID, AI gateway endpoint and models, from the AI access and routing policies in the catalog.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string({
              description:
                'An agent (Component of type agent) in the catalog; its annotations give namespace, service account, cluster and SPIFFE ID override.',
            })
            .optional(),
        namespace: z =>
          z
            .string({
              description:
                'For an agent not in the catalog yet: its namespace.',
            })
            .optional(),
        serviceAccount: z =>
          z
            .string({
              description:
                'For an agent not in the catalog yet: its service account (default: none, required with namespace).',
            })
            .optional(),
        gateway: z =>
          z
            .string({
              description: `The gateway (Resource of type ${GATEWAY_RESOURCE_TYPE}) to look at; default: every gateway with policies in the agent's cluster.`,
            })
            .optional(),
        models: z =>
          z
            .array(z.string(), {
              description:
                'The models the agent wants; those the gateway does not expose are listed in missingModels.',
            })
            .optional(),
        newAccessPolicy: z =>
          z
            .boolean({
              description:
                'The template is about to publish an access policy for the gateway: compute with it (trustDomain), and fail if the gateway already has one.',
            })
            .optional(),
        trustDomain: z =>
          z
            .string({ description: 'Trust domain of the new access policy.' })
            .optional(),
      },
      output: {
        spiffeId: z => z.string().describe("The agent's SPIFFE ID."),
        trustDomain: z => z.string().optional().describe('Its trust domain.'),
        namespace: z => z.string(),
        serviceAccount: z => z.string(),
        cluster: z =>
          z.string().describe('The cluster the agent and its gateway are in.'),
        clusterAnnotation: z =>
          z
            .string()
            .optional()
            .describe(
              `The ${ANNOTATIONS.cluster} value for the agent's entity; absent for the default cluster.`,
            ),
        gatewayName: z =>
          z
            .string()
            .optional()
            .describe('The chosen gateway (admitted first).'),
        gatewayNamespace: z => z.string().optional(),
        endpoint: z =>
          z
            .string()
            .optional()
            .describe('e.g. https://ai-gateway.team1.svc:8443'),
        baseUrl: z =>
          z
            .string()
            .optional()
            .describe(
              'OpenAI-compatible base URL, e.g. https://ai-gateway.team1.svc:8443/v1',
            ),
        admitted: z =>
          z.boolean().describe('Whether the chosen gateway admits the agent.'),
        reason: z =>
          z.string().optional().describe('Why not, when not admitted.'),
        models: z =>
          z
            .array(z.string())
            .describe(
              'Models the agent can use (of those wanted, when given).',
            ),
        missingModels: z =>
          z
            .array(z.string())
            .describe('Wanted models the gateway does not expose.'),
        gateways: z =>
          z
            .array(
              z.object({
                name: z.string(),
                namespace: z.string(),
                cluster: z.string(),
                entityRef: z.string().optional(),
                endpoint: z.string(),
                baseUrl: z.string(),
                admitted: z.boolean(),
                accessPolicy: z.string().optional(),
                trustDomain: z.string().optional(),
                reason: z.string().optional(),
                models: z.array(z.string()),
              }),
            )
            .describe('Every gateway looked at.'),
        summary: z =>
          z.string().describe('A sentence for the template output text.'),
      },
    },
    async handler(ctx) {
      const credentials = await ctx.getInitiatorCredentials();
      const input = ctx.input;
      let namespace = input.namespace;
      let serviceAccount = input.serviceAccount;
      let spiffeIdOverride: string | undefined;
      let agentCluster: string | undefined;
      if (input.entityRef) {
        const agent = await catalog.getEntityByRef(input.entityRef, {
          credentials,
        });
        if (!agent)
          throw new NotFoundError(
            `agent ${input.entityRef} not found in the catalog`,
          );
        const a = agent.metadata.annotations ?? {};
        namespace = namespace ?? a[ANNOTATIONS.namespace];
        serviceAccount =
          serviceAccount ??
          a[ANNOTATIONS.serviceAccount] ??
          agent.metadata.name;
        spiffeIdOverride = a[ANNOTATIONS.spiffeId];
        agentCluster = a[ANNOTATIONS.cluster];
        if (!namespace) {
          throw new InputError(
            `agent ${input.entityRef} has no ${ANNOTATIONS.namespace} annotation`,
          );
        }
      }
      if (!namespace || !serviceAccount) {
        throw new InputError('give entityRef, or namespace and serviceAccount');
      }

      let gateways: GatewayInfo[] = [];
      if (input.gateway) {
        const entity = await catalog.getEntityByRef(input.gateway, {
          credentials,
        });
        if (!entity)
          throw new NotFoundError(
            `gateway ${input.gateway} not found in the catalog`,
          );
        if (
          entity.kind !== 'Resource' ||
          (entity.spec as { type?: string })?.type !== GATEWAY_RESOURCE_TYPE
        ) {
          throw new InputError(
            `${input.gateway} is not a Resource of type ${GATEWAY_RESOURCE_TYPE}`,
          );
        }
        gateways = [gatewayOf(entity, agentCluster ?? defaultCluster)];
      }
      const cluster = agentCluster ?? gateways[0]?.cluster ?? defaultCluster;

      const { items } = await catalog.getEntities(
        {
          filter: [{ kind: ROUTING_POLICY_KIND }, { kind: ACCESS_POLICY_KIND }],
        },
        { credentials },
      );
      const policies: PolicyInfo[] = [];
      for (const entity of items) {
        const result = validatePolicyEntity(entity);
        // Invalid policies are refused by the catalog and never reach a cluster: they grant nothing.
        if (!result.ok) continue;
        policies.push({
          entityRef: stringifyEntityRef(entity),
          policy: result.value,
          cluster: result.value.cluster ?? defaultCluster,
        });
      }
      if (!input.gateway) {
        const seen = new Map<string, GatewayInfo>();
        for (const p of policies) {
          if (p.cluster !== cluster) continue;
          const g = {
            name: p.policy.spec.targetRef.name,
            namespace: p.policy.namespace,
            cluster,
          };
          seen.set(`${g.namespace}/${g.name}`, g);
        }
        gateways = [...seen.values()];
      }

      if (input.newAccessPolicy) {
        if (!input.gateway || !input.trustDomain) {
          throw new InputError('newAccessPolicy needs gateway and trustDomain');
        }
        const g = gateways[0];
        const existing = policies.find(
          p =>
            p.policy.kind === ACCESS_POLICY_KIND &&
            p.cluster === g.cluster &&
            p.policy.namespace === g.namespace &&
            p.policy.spec.targetRef.name === g.name,
        );
        if (existing) {
          throw new InputError(
            `Gateway ${g.namespace}/${g.name} already has the access policy ${existing.entityRef}; a second one would be Conflicted. Leave "Create an access policy" unchecked (the existing policy decides whether the agent is admitted).`,
          );
        }
      }

      const result = computeAgentAccess({
        agent: { namespace, serviceAccount, cluster, spiffeIdOverride },
        gateways,
        policies,
        proposedTrustDomain: input.newAccessPolicy
          ? input.trustDomain
          : undefined,
      });
      const chosen =
        result.gateways.find(g => g.admitted) ?? result.gateways[0];
      const wanted = input.models ?? [];
      const available = chosen?.models ?? [];
      const models = wanted.length
        ? wanted.filter(m => available.includes(m))
        : available;
      const missingModels = wanted.filter(m => !available.includes(m));

      const parts = [`SPIFFE ID ${result.spiffeId}.`];
      if (!chosen) {
        parts.push(`No gateway in cluster ${cluster} has AI policies yet.`);
      } else if (chosen.admitted) {
        parts.push(
          `Gateway ${chosen.namespace}/${chosen.name} admits it at ${chosen.baseUrl}.`,
        );
        if (input.newAccessPolicy)
          parts.push('(with the access policy this template creates)');
        if (missingModels.length) {
          parts.push(
            `Not exposed by the gateway yet: ${missingModels.join(
              ', ',
            )}; add them to a routing policy on it.`,
          );
        }
      } else {
        parts.push(`Not admitted: ${chosen.reason}`);
      }
      const summary = parts.join(' ');
      ctx.logger.info(summary);

      ctx.output('spiffeId', result.spiffeId);
      if (result.trustDomain) ctx.output('trustDomain', result.trustDomain);
      ctx.output('namespace', namespace);
      ctx.output('serviceAccount', serviceAccount);
      ctx.output('cluster', cluster);
      if (cluster !== defaultCluster) ctx.output('clusterAnnotation', cluster);
      if (chosen) {
        ctx.output('gatewayName', chosen.name);
        ctx.output('gatewayNamespace', chosen.namespace);
        ctx.output('endpoint', chosen.endpoint);
        ctx.output('baseUrl', chosen.baseUrl);
        if (chosen.reason) ctx.output('reason', chosen.reason);
      }
      ctx.output('admitted', Boolean(chosen?.admitted));
      ctx.output('models', models);
      ctx.output('missingModels', missingModels);
      ctx.output('gateways', result.gateways);
      ctx.output('summary', summary);
    },
  });
}
