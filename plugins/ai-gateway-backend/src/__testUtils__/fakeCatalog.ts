import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { ServiceUnavailableError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

/** Whether `user` (an entity ref; undefined for a service) may read `entity`. */
export type Visibility = (user: string | undefined, entity: Entity) => boolean;

/** The catalog's filter semantics for one filter object: every key matches (case-insensitive). */
function matches(entity: Entity, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([path, want]) => {
    let value: any = entity;
    for (const part of path.split('.')) value = value?.[part];
    return [want]
      .flat()
      .some(w => String(w).toLowerCase() === String(value).toLowerCase());
  });
}

/**
 * A catalog whose content tests change between passes, read through the CatalogService the
 * plugin gets: filters, lookups by ref (one or many), per-user visibility (services see
 * everything) and a count of each kind of read. Shared by the backend tests and the
 * reliability suite.
 */
export class FakeCatalog {
  /** Lookups by name that return a different entity (bad inputs the catalog never validated). */
  readonly aliases = new Map<string, Entity>();
  /** The refs of every getEntitiesByRefs request, in order. */
  readonly byRefsRequests: string[][] = [];
  /** The refs of every getEntityByRef request, in order. */
  readonly byRefRequests: string[] = [];
  /** How many getEntities requests were made. */
  getEntitiesRequests = 0;
  /** How many pages streamEntities has handed out. */
  streamedPages = 0;
  /** While set, reads fail as a catalog that has not started up yet answers (503). */
  unavailable = false;

  constructor(
    public entities: Entity[],
    public visible: Visibility = () => true,
  ) {}

  find(ref: string) {
    return this.entities.find(
      e => stringifyEntityRef(e).toLowerCase() === ref.toLowerCase(),
    );
  }

  /** Replaces (or adds) an entity, bumping its etag as the catalog does. */
  upsert(entity: Entity) {
    const ref = stringifyEntityRef(entity).toLowerCase();
    this.entities = [
      ...this.entities.filter(e => stringifyEntityRef(e).toLowerCase() !== ref),
      {
        ...entity,
        metadata: {
          ...entity.metadata,
          etag: `e${Date.now()}${Math.random()}`,
        },
      },
    ];
  }

  remove(ref: string) {
    this.entities = this.entities.filter(
      e => stringifyEntityRef(e).toLowerCase() !== ref.toLowerCase(),
    );
  }

  service() {
    const userOf = (options: any): string | undefined => {
      const p = options?.credentials?.principal;
      return p?.type === 'service'
        ? undefined
        : p?.userEntityRef ?? 'anonymous';
    };
    const canSee = (options: any, e: Entity) => {
      const user = userOf(options);
      return user === undefined || this.visible(user, e);
    };
    const byRef = (ref: any, options: any) => {
      const r = typeof ref === 'string' ? parseEntityRef(ref) : ref;
      const key = stringifyEntityRef({
        kind: r.kind,
        namespace: r.namespace ?? 'default',
        name: r.name,
      }).toLowerCase();
      const alias = this.aliases.get(key);
      if (alias) return alias;
      const found = this.find(key);
      return found && canSee(options, found)
        ? structuredClone(found)
        : undefined;
    };
    const up = () => {
      if (this.unavailable) {
        throw new ServiceUnavailableError('Service has not started up yet');
      }
    };
    const select = (request: any, options: any) => {
      const filters = [request?.filter ?? []].flat();
      return this.entities.filter(
        e =>
          canSee(options, e) &&
          (filters.length === 0 || filters.some(f => matches(e, f))),
      );
    };
    const countPage = () => {
      this.streamedPages++;
      up();
    };
    return catalogServiceMock.mock({
      getEntities: (async (request: any, options: any) => {
        this.getEntitiesRequests++;
        up();
        return { items: structuredClone(select(request, options)) };
      }) as any,
      streamEntities: async function* stream(request: any, options: any) {
        const size = request?.pageSize ?? 500;
        const items = select(request, options);
        for (let i = 0; i < items.length; i += size) {
          countPage();
          yield structuredClone(items.slice(i, i + size));
        }
      } as any,
      getEntityByRef: (async (ref: any, options: any) => {
        this.byRefRequests.push(
          typeof ref === 'string' ? ref : stringifyEntityRef(ref),
        );
        return byRef(ref, options);
      }) as any,
      getEntitiesByRefs: (async (request: any, options: any) => {
        this.byRefsRequests.push([...request.entityRefs]);
        up();
        return {
          items: request.entityRefs.map((ref: string) => byRef(ref, options)),
        };
      }) as any,
    });
  }
}
