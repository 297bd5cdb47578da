import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import {
  ForwardedError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  aiGatewayPolicyApplyPermission,
  validatePolicyEntity,
  type ApiDryRunResult,
  type ApiReconcileResult,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { readClusterSpecs } from '@kagenti/backstage-plugin-ai-gateway-node';
import { describeDiff } from '../lib/describeDiff';
import {
  checkPolicies,
  problemsError,
  readPolicyDocuments,
} from '../lib/policyInput';

const examples = [
  {
    description:
      'Preview what a new policy would change in its cluster (applies nothing)',
    example: `steps:
  - id: preview
    name: Preview the rendered objects
    action: aigateway:policy:apply
    input:
      path: catalog-info.yaml
      dryRun: true`,
  },
  {
    description:
      'Apply a published policy now instead of at the next reconcile (waits for the catalog to have this version)',
    example: `steps:
  - id: apply
    action: aigateway:policy:apply
    input:
      path: catalog-info.yaml
      waitForCatalogSeconds: 60`,
  },
];

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The parts of a policy entity that reach the cluster, for "is this the catalog's version". */
function applied(entity: Entity): string {
  const r = validatePolicyEntity(entity);
  return r.ok
    ? JSON.stringify(r.value)
    : `invalid:${stringifyEntityRef(entity)}`;
}

/**
 * `aigateway:policy:apply`. Both modes go through the AI Gateway reconciler's REST API, as the
 * user. A dry run has it render the policy and diff it against the live cluster, changing nothing
 * (`POST /dry-run` with the entity, which need not be in the catalog yet). A real run has it
 * reconcile the policy now: the catalog is the source of truth, and a resource applied behind the
 * reconciler's back would be pruned by its next pass, so the policy must be in the catalog in this
 * version first.
 */
export function createPolicyApplyAction(options: {
  config: Config;
  catalog: CatalogService;
  permissions: PermissionsService;
  auth: AuthService;
  discovery: DiscoveryService;
}) {
  const { config, catalog, permissions, auth, discovery } = options;
  const defaultCluster =
    config.getOptionalString('aiGateway.defaultCluster') ??
    readClusterSpecs(config)[0]?.name ??
    '';

  async function authorize(
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const [decision] = await permissions.authorize(
      [{ permission: aiGatewayPolicyApplyPermission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      const who =
        (credentials.principal as { userEntityRef?: string }).userEntityRef ??
        'this user';
      throw new NotAllowedError(
        `${who} may not apply ${entityRef}: the ${aiGatewayPolicyApplyPermission.name} permission is required`,
      );
    }
  }

  /**
   * POSTs to the AI Gateway backend on behalf of the user. An error answer fails the step with
   * the backend's message and error name (InputError, NotAllowedError, …).
   */
  async function postToBackend<T>(
    path: string,
    what: string,
    credentials: BackstageCredentials,
    body?: unknown,
  ): Promise<T> {
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'ai-gateway',
    });
    const base = await discovery.getBaseUrl('ai-gateway');
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      throw new ForwardedError(
        `the AI Gateway backend refused the ${what}`,
        error.cause,
      );
    }
    // JSON.parse, not response.json(): step outputs reach the scaffolder's templating, which
    // refuses arrays of another realm, and fetch's are under jest.
    return JSON.parse(await response.text()) as T;
  }

  const reconcile = (entity: Entity, credentials: BackstageCredentials) =>
    postToBackend<ApiReconcileResult>(
      `/policies/${encodeURIComponent(
        entity.metadata.namespace ?? 'default',
      )}/${entity.kind.toLocaleLowerCase('en-US')}/${encodeURIComponent(
        entity.metadata.name,
      )}/reconcile`,
      `reconcile of ${stringifyEntityRef(entity)}`,
      credentials,
    );

  const dryRun = (entity: Entity, credentials: BackstageCredentials) =>
    postToBackend<ApiDryRunResult>(
      '/dry-run',
      `dry run of ${stringifyEntityRef(entity)}`,
      credentials,
      { entity },
    );

  return createTemplateAction({
    id: 'aigateway:policy:apply',
    description:
      "Applies an AIRoutingPolicy / AIAccessPolicy to its cluster through the AI Gateway reconciler; a dry run (the reconciler's own) outputs the rendered objects and their diff against the live cluster and changes nothing. Requires the ai-gateway.policy.apply permission.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string({
              description:
                'A workspace file holding the policy entity (one policy).',
            })
            .optional(),
        entity: z =>
          z
            .union([z.string(), z.record(z.string(), z.unknown())], {
              description:
                'The policy entity inline, as YAML text or an object.',
            })
            .optional(),
        entityRef: z =>
          z
            .string({
              description:
                'A policy entity in the catalog, e.g. airoutingpolicy:default/team1-models.',
            })
            .optional(),
        dryRun: z =>
          z
            .boolean({
              description:
                'Only preview: render and diff against the live cluster, apply nothing (also implied by a template dry run).',
            })
            .optional(),
        waitForCatalogSeconds: z =>
          z
            .number({
              description:
                'Apply only: how long to wait for the catalog to hold this version of the policy (after publishing it). Default 0.',
            })
            .int()
            .min(0)
            .max(600)
            .optional(),
      },
      output: {
        entityRef: z => z.string().describe('The policy entity.'),
        cluster: z => z.string().describe('The cluster it belongs to.'),
        dryRun: z => z.boolean().describe('True when nothing was applied.'),
        objects: z =>
          z
            .array(z.record(z.string(), z.unknown()))
            .describe(
              'Dry run: the objects the reconciler would apply (Secret values redacted).',
            ),
        diff: z =>
          z
            .array(
              z.object({
                apiVersion: z.string(),
                kind: z.string(),
                name: z.string(),
                action: z.enum(['create', 'update', 'delete', 'unchanged']),
                differences: z.array(z.string()).optional(),
              }),
            )
            .describe(
              'Dry run: per object, what applying would do; differences name fields, never values.',
            ),
        problems: z =>
          z
            .array(z.object({ path: z.string(), message: z.string() }))
            .describe(
              'Dry run: what would keep the policy from working (e.g. a missing trust bundle).',
            ),
        result: z =>
          z
            .object({
              applied: z.number(),
              pruned: z.number(),
              unchanged: z.number(),
              conditions: z.array(z.record(z.string(), z.unknown())),
            })
            .optional()
            .describe(
              "Real run: the reconciler's counts and the policy's conditions.",
            ),
        summary: z =>
          z.string().describe('Markdown for the template output text.'),
      },
    },
    async handler(ctx) {
      const credentials = await ctx.getInitiatorCredentials();
      const { entityRef: ref, path, entity: inline } = ctx.input;
      if ([ref, path, inline].filter(v => v !== undefined).length !== 1) {
        throw new InputError(
          'give exactly one of "path", "entity" and "entityRef"',
        );
      }
      let entity: Entity;
      if (ref) {
        const found = await catalog.getEntityByRef(ref, { credentials });
        if (!found)
          throw new NotFoundError(`policy ${ref} not found in the catalog`);
        entity = found;
      } else {
        const docs = await readPolicyDocuments(
          { path, entity: inline },
          ctx.workspacePath,
        );
        if (docs.length !== 1) {
          throw new InputError(
            `${path ?? 'inline'} holds ${
              docs.length
            } policies; apply one policy per step`,
          );
        }
        entity = docs[0].raw as unknown as Entity;
      }
      const [checked] = checkPolicies([
        {
          source: ref ?? path ?? 'inline',
          raw: entity as unknown as Record<string, unknown>,
        },
      ]);
      const error = problemsError([checked]);
      if (error || !checked.result.ok) throw error;
      const cluster = checked.result.value.cluster ?? defaultCluster;
      const entityRef = stringifyEntityRef(entity);
      await authorize(entityRef, credentials);
      ctx.output('entityRef', entityRef);

      if (ctx.isDryRun || ctx.input.dryRun) {
        // The reconciler's own dry run; it also says when the cluster is not configured.
        const preview = await dryRun(entity, credentials);
        const local = readClusterSpecs(config).find(
          c => c.name === cluster,
        )?.local;
        const summary = [
          `**${entityRef}** in cluster ${cluster}${
            local ? ' (the local development server)' : ''
          }: ${describeDiff(preview.diff)}`,
          ...preview.problems.map(p => `- problem: ${p.path}: ${p.message}`),
        ].join('\n');
        ctx.logger.info(`dry run, nothing applied: ${summary}`);
        ctx.output('cluster', cluster);
        ctx.output('dryRun', true);
        ctx.output('objects', preview.objects);
        ctx.output('diff', preview.diff);
        ctx.output('problems', preview.problems);
        ctx.output('summary', summary);
        return;
      }

      const want = applied(entity);
      const deadline =
        Date.now() + (ctx.input.waitForCatalogSeconds ?? 0) * 1000;
      let inCatalog = await catalog.getEntityByRef(entityRef, { credentials });
      while (
        (!inCatalog || applied(inCatalog) !== want) &&
        Date.now() < deadline
      ) {
        await sleep(1000);
        inCatalog = await catalog.getEntityByRef(entityRef, { credentials });
      }
      if (!inCatalog || applied(inCatalog) !== want) {
        throw new InputError(
          `${entityRef} is ${
            inCatalog
              ? 'in the catalog in another version'
              : 'not in the catalog'
          }: publish and register it first (the reconciler applies catalog policies and would undo anything else), or raise waitForCatalogSeconds`,
        );
      }
      const result = await reconcile(inCatalog, credentials);
      const programmed = result.conditions.find(c => c.type === 'Programmed');
      const summary = `**${entityRef}** applied to cluster ${cluster}: ${
        result.applied
      } applied, ${result.pruned} pruned, ${result.unchanged} unchanged${
        programmed
          ? `; Programmed=${programmed.status} (${programmed.reason})`
          : ''
      }`;
      ctx.logger.info(summary);
      ctx.output('cluster', cluster);
      ctx.output('dryRun', false);
      ctx.output('objects', []);
      ctx.output('diff', []);
      ctx.output('problems', []);
      ctx.output('result', result as any);
      ctx.output('summary', summary);
    },
  });
}
