import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { cp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Config key of the folder the local default publishes into. */
export const LOCAL_PUBLISH_DIRECTORY_KEY =
  'scaffolder.aiGateway.localPublishDirectory';

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The entity refs of the entities in a catalog-info.yaml, for output links. */
function entityRefsOf(text: string): string[] {
  const refs: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    const e = doc.toJS() as {
      kind?: unknown;
      metadata?: { name?: unknown; namespace?: unknown };
    } | null;
    if (
      !e ||
      typeof e.kind !== 'string' ||
      typeof e.metadata?.name !== 'string'
    )
      continue;
    const ns =
      typeof e.metadata.namespace === 'string'
        ? e.metadata.namespace
        : 'default';
    refs.push(`${e.kind.toLocaleLowerCase('en-US')}:${ns}/${e.metadata.name}`);
  }
  return refs;
}

async function exists(p: string) {
  return stat(p).then(
    () => true,
    () => false,
  );
}

const MANAGED_BY_LOCATION = 'backstage.io/managed-by-location';

/**
 * The absolute file targets of a Location entity: `spec.target` / `spec.targets`, relative ones
 * resolved against the file the Location was read from (as the catalog does).
 */
export function fileTargetsOf(location: Entity): string[] {
  const spec = (location.spec ?? {}) as {
    type?: string;
    target?: string;
    targets?: string[];
  };
  const origin = location.metadata.annotations?.[MANAGED_BY_LOCATION] ?? '';
  const originFile = origin.startsWith('file:')
    ? origin.slice('file:'.length)
    : undefined;
  const type = spec.type ?? (originFile ? 'file' : undefined);
  if (type !== 'file') return [];
  const targets = [spec.target, ...(spec.targets ?? [])].filter(
    (t): t is string => typeof t === 'string',
  );
  return targets.flatMap(t => {
    if (path.isAbsolute(t)) return [path.resolve(t)];
    return originFile ? [path.resolve(path.dirname(originFile), t)] : [];
  });
}

/**
 * Asks the catalog to re-read the Locations whose file targets lie in `dir` (the optional glob
 * Location over the local publish folder), so new entities appear within seconds instead of at
 * the next processing interval. Returns the refreshed location refs.
 */
async function refreshCoveringLocations(
  catalog: CatalogService,
  auth: AuthService,
  dir: string,
): Promise<string[]> {
  const credentials = await auth.getOwnServiceCredentials();
  const { items } = await catalog.getEntities(
    { filter: { kind: 'Location' } },
    { credentials },
  );
  const refreshed: string[] = [];
  for (const location of items) {
    if (!fileTargetsOf(location).some(t => t.startsWith(dir + path.sep)))
      continue;
    const ref = stringifyEntityRef(location);
    await catalog.refreshEntity(ref, { credentials });
    refreshed.push(ref);
  }
  return refreshed;
}

/**
 * `aigateway:publish:local`: the local default. Copies the workspace into
 * `<localPublishDirectory>/<name>/`, a folder the catalog reads through a file location, and
 * refreshes that location; the AI Gateway reconciler then applies the new policies. Needs no git
 * host. Disabled unless `scaffolder.aiGateway.localPublishDirectory` is configured.
 */
export function createPublishLocalAction(options: {
  config: Config;
  catalog: CatalogService;
  auth: AuthService;
  logger?: LoggerService;
}) {
  const { config, catalog, auth } = options;
  return createTemplateAction({
    id: 'aigateway:publish:local',
    description:
      'Publishes the workspace to a local folder the catalog reads (the local default, no git host needed) and refreshes its catalog location.',
    examples: [
      {
        description: 'Publish a new agent locally',
        example: `steps:
  - id: publish-local
    name: Publish to this Backstage
    if: \${{ parameters.publishTo != 'github' }}
    action: aigateway:publish:local
    input:
      name: \${{ parameters.name }}`,
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string({
              description:
                'The folder to create under the local publish directory (lowercase letters, digits, "-" and ".").',
            })
            .regex(NAME_PATTERN),
        sourcePath: z =>
          z
            .string({
              description:
                'A subdirectory of the workspace to publish instead of the whole workspace.',
            })
            .optional(),
        overwrite: z =>
          z
            .boolean({
              description:
                'Replace an existing folder of that name (default: fail, so a second run never silently replaces an agent).',
            })
            .optional(),
      },
      output: {
        path: z => z.string().describe('The folder the files were written to.'),
        catalogInfoPath: z =>
          z
            .string()
            .describe('Its catalog-info.yaml, which the catalog reads.'),
        entityRefs: z =>
          z.array(z.string()).describe('The entities in catalog-info.yaml.'),
        refreshedLocations: z =>
          z
            .array(z.string())
            .describe(
              'The catalog locations refreshed so the entities appear now.',
            ),
      },
    },
    async handler(ctx) {
      const configured = config.getOptionalString(LOCAL_PUBLISH_DIRECTORY_KEY);
      if (!configured && ctx.isDryRun) {
        ctx.logger.warn(
          `dry run: ${LOCAL_PUBLISH_DIRECTORY_KEY} is not set, a real run would fail`,
        );
      }
      if (!configured && !ctx.isDryRun) {
        throw new InputError(
          `local publishing is not configured: set ${LOCAL_PUBLISH_DIRECTORY_KEY} (and a catalog file location over <dir>/*/catalog-info.yaml), or publish to a git host`,
        );
      }
      const root = path.resolve(configured ?? '.dev/scaffolded');
      const target = path.join(root, ctx.input.name);
      const source = ctx.input.sourcePath
        ? path.resolve(ctx.workspacePath, ctx.input.sourcePath)
        : ctx.workspacePath;
      if (
        source !== ctx.workspacePath &&
        !source.startsWith(ctx.workspacePath + path.sep)
      ) {
        throw new NotAllowedError(
          `sourcePath "${ctx.input.sourcePath}" is outside the workspace`,
        );
      }
      const catalogInfoPath = path.join(target, 'catalog-info.yaml');
      let catalogInfo: string;
      try {
        catalogInfo = await readFile(
          path.join(source, 'catalog-info.yaml'),
          'utf8',
        );
      } catch {
        throw new InputError(
          'nothing to publish: the workspace has no catalog-info.yaml (run fetch:template first)',
        );
      }
      const entityRefs = entityRefsOf(catalogInfo);
      ctx.output('path', target);
      ctx.output('catalogInfoPath', catalogInfoPath);
      ctx.output('entityRefs', entityRefs);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `dry run: would publish ${entityRefs.join(', ')} to ${target}`,
        );
        ctx.output('refreshedLocations', []);
        return;
      }
      if (await exists(target)) {
        if (!ctx.input.overwrite) {
          throw new InputError(
            `${target} already exists; choose another name, or set overwrite: true to replace it`,
          );
        }
        await rm(target, { recursive: true, force: true });
      }
      await mkdir(root, { recursive: true });
      await cp(source, target, {
        recursive: true,
        filter: src => path.basename(src) !== '.git',
      });
      ctx.logger.info(`published ${entityRefs.join(', ')} to ${target}`);
      const refreshed = await refreshCoveringLocations(catalog, auth, root);
      if (refreshed.length === 0) {
        ctx.logger.warn(
          `no catalog file location covers ${root}; add "- type: file, target: ${path.join(
            root,
            '*',
            'catalog-info.yaml',
          )}" to catalog.locations so the entities reach the catalog`,
        );
      }
      ctx.output('refreshedLocations', refreshed);
    },
  });
}
