import { KubeClient, ListOptions, WatchEvent, WatchHandle } from './KubeClient';
import { objectKey } from '../kubernetes';
import { KubeObject, withoutManagedFields } from './types';

interface Tracked {
  items: Map<string, KubeObject>;
  synced: boolean;
  handle: WatchHandle;
}

export interface TrackOptions extends ListOptions {
  /** Applied to every object before it is kept (e.g. to drop Secret values not needed). */
  transform?: (obj: KubeObject) => KubeObject;
}

/**
 * A watch-fed copy of some kinds of one cluster (an informer): after the first list, reads cost
 * no request, so a pass over an unchanged fleet costs none either. `list` answers undefined
 * until the kind is synced (and while its watch is broken), so callers fall back to a list
 * request and never act on a partial view.
 */
export class ClusterCache {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly client: KubeClient,
    private readonly onEvent?: (event: WatchEvent) => void,
    private readonly onError?: (kind: string, error: Error) => void,
  ) {}

  private static key(apiVersion: string, kind: string, o: ListOptions = {}) {
    return `${apiVersion}/${kind}|${o.namespace ?? ''}|${
      o.labelSelector ?? ''
    }`;
  }

  track(apiVersion: string, kind: string, options: TrackOptions = {}) {
    const key = ClusterCache.key(apiVersion, kind, options);
    if (this.tracked.has(key)) return;
    // managedFields are dropped: nothing reads them, and the cache keeps every object of a
    // fleet for as long as the backend runs.
    const own = options.transform ?? (o => o);
    const transform = (o: KubeObject) => own(withoutManagedFields(o));
    const entry: Tracked = {
      items: new Map(),
      synced: false,
      handle: undefined as unknown as WatchHandle,
    };
    this.tracked.set(key, entry);
    entry.handle = this.client.watch(
      apiVersion,
      kind,
      { namespace: options.namespace, labelSelector: options.labelSelector },
      {
        onSync: items => {
          entry.items = new Map(
            items.map(i => [objectKey(i), transform(i)] as const),
          );
          entry.synced = true;
        },
        onEvent: ev => {
          const k = objectKey(ev.object);
          if (ev.type === 'DELETED') entry.items.delete(k);
          else entry.items.set(k, transform(ev.object));
          this.onEvent?.(ev);
        },
        onError: e => {
          // Until the watch is re-established after a relist, the copy may miss changes.
          entry.synced = false;
          this.onError?.(kind, e);
        },
      },
    );
  }

  /** The cached objects, or undefined when the kind is not tracked this way or not in sync. */
  list(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): KubeObject[] | undefined {
    const entry = this.tracked.get(ClusterCache.key(apiVersion, kind, options));
    if (!entry?.synced) return undefined;
    return [...entry.items.values()];
  }

  stop() {
    for (const entry of this.tracked.values()) entry.handle.stop();
    this.tracked.clear();
  }
}
