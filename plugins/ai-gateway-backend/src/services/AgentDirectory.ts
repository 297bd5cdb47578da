import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** What per-agent access reads of an agent entity; nothing else is kept. */
export const AGENT_FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.title',
  'metadata.annotations',
  'spec.type',
];

const DIRECTORY_PAGE_SIZE = 500;

export interface AgentDirectoryOptions {
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  /** How old the directory may be before a lookup starts a refresh; 0 turns it off. */
  maxAgeMs: number;
}

/**
 * The catalog's agents (Components of type `agent`), as of the last refresh, for per-agent
 * access: answering from memory saves the catalog round trip every request made (about half of
 * the endpoint's time). It is read with the plugin's own credentials; callers still need the
 * catalog read permission on the agent (the router decides that per request).
 *
 * Freshness: a lookup in a directory older than `maxAgeMs` starts a refresh in the background
 * and is answered from the current one, so an edited or deleted agent shows in per-agent access
 * within about `maxAgeMs` (the same order as the catalog's own processing delay). An agent the
 * directory does not know (new since the refresh, or not an agent) is `undefined`: the caller
 * reads the catalog. An idle directory does not poll.
 */
export class AgentDirectory {
  /**
   * By entity ref in lower case: refs are ASCII (the catalog validates names and namespaces), so
   * the plain toLowerCase matches the catalog's locale-aware comparison.
   */
  private agents = new Map<string, Entity>();
  /** When the directory in `agents` was read (start of the read). */
  private loadedAt: number | undefined;
  /** When a read last failed: the next one waits `maxAgeMs`, not every lookup retries. */
  private failedAt: number | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: AgentDirectoryOptions) {}

  /**
   * The agent as of the last refresh; `undefined` when the directory does not know it, or is
   * too old to answer (its reads have failed for three times `maxAgeMs`).
   */
  get(entityRef: string): Entity | undefined {
    const { maxAgeMs } = this.options;
    if (maxAgeMs <= 0) return undefined;
    const now = Date.now();
    const age = this.loadedAt === undefined ? Infinity : now - this.loadedAt;
    const retryDue =
      this.failedAt === undefined || now - this.failedAt > maxAgeMs;
    if (age > maxAgeMs && retryDue) this.refresh().catch(() => undefined);
    if (age > 3 * maxAgeMs) return undefined;
    return this.agents.get(entityRef.toLowerCase());
  }

  /** Reads every agent from the catalog; concurrent calls share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load() {
    const { catalog, auth, logger } = this.options;
    const started = Date.now();
    try {
      // In pages: one response of every agent (10,000 in the benchmark) held the event loop for
      // tens of milliseconds at a time, and the requests answered meanwhile waited for it.
      const agents = new Map<string, Entity>();
      for await (const page of catalog.streamEntities(
        {
          filter: { kind: 'component', 'spec.type': 'agent' },
          fields: AGENT_FIELDS,
          pageSize: DIRECTORY_PAGE_SIZE,
        },
        { credentials: await auth.getOwnServiceCredentials() },
      )) {
        for (const entity of page) {
          agents.set(stringifyEntityRef(entity).toLowerCase(), entity);
        }
      }
      this.agents = agents;
      this.loadedAt = started;
      this.failedAt = undefined;
      logger.debug(
        `ai-gateway: agent directory read ${agents.size} agents in ${
          Date.now() - started
        } ms`,
      );
    } catch (e) {
      // The previous directory stays (until it is too old to answer); a later lookup tries again.
      this.failedAt = Date.now();
      logger.warn(
        `ai-gateway: could not read the catalog's agents: ${
          (e as Error).message
        }`,
      );
      throw e;
    }
  }
}
