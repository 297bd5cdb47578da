/* In-memory object store: objects by group-resource, a global resourceVersion, and a bounded event history for watches. */

type Obj = Record<string, any>;

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: EventType;
  /** Group-resource, e.g. `configmaps` or `gateways.gateway.networking.k8s.io`. */
  gr: string;
  object: Obj;
  /** The previous object, for MODIFIED. */
  old?: Obj;
}

export class Store {
  private readonly data = new Map<string, Map<string, Obj>>();
  private readonly sortedKeys = new Map<string, string[]>();
  /** Retained events are `history[historyStart..]`; the slots before it are dropped ones. */
  private history: Array<StoreEvent | undefined> = [];
  private historyStart = 0;
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private rv = 0;
  /** The newest resourceVersion whose event is no longer retained; watches from before it get 410. */
  private compactedRV = 0;

  constructor(private readonly historySize = 1000) {}

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestWatchableRV(): number {
    return this.compactedRV;
  }

  nextRV(): number {
    this.rv += 1;
    return this.rv;
  }

  /** Reserves resourceVersions up to `rv` (used when loading persisted data). */
  bumpTo(rv: number) {
    this.rv = Math.max(this.rv, rv);
    this.compactedRV = this.rv;
  }

  private bucket(gr: string): Map<string, Obj> {
    let b = this.data.get(gr);
    if (!b) {
      b = new Map();
      this.data.set(gr, b);
    }
    return b;
  }

  get(
    gr: string,
    namespace: string | undefined,
    name: string,
  ): Obj | undefined {
    return this.data.get(gr)?.get(`${namespace ?? ''}/${name}`);
  }

  /** Objects of a group-resource, in one namespace or all, ordered by namespace then name (etcd key order). */
  list(gr: string, namespace?: string): Obj[] {
    const b = this.data.get(gr);
    if (!b) return [];
    // Keys stay sorted until one is added or removed, so large lists do not sort on every request.
    let keys = this.sortedKeys.get(gr);
    if (!keys) {
      keys = [...b.keys()].sort();
      this.sortedKeys.set(gr, keys);
    }
    const out: Obj[] = [];
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    for (const k of keys) {
      if (prefix === undefined || k.startsWith(prefix)) out.push(b.get(k)!);
    }
    return out;
  }

  groupResources(): string[] {
    return [...this.data.keys()];
  }

  count(): number {
    let n = 0;
    for (const b of this.data.values()) n += b.size;
    return n;
  }

  /** Stores `obj` (whose metadata.resourceVersion is already set) and emits the event. Objects are never mutated after this. */
  put(gr: string, obj: Obj, type: 'ADDED' | 'MODIFIED') {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const b = this.bucket(gr);
    const old = b.get(key);
    if (!old) this.sortedKeys.delete(gr);
    b.set(key, obj);
    this.emit({
      rv: Number(obj.metadata.resourceVersion),
      type,
      gr,
      object: obj,
      old,
    });
  }

  remove(gr: string, obj: Obj) {
    this.sortedKeys.delete(gr);
    this.data
      .get(gr)
      ?.delete(`${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
    this.emit({
      rv: Number(obj.metadata.resourceVersion),
      type: 'DELETED',
      gr,
      object: obj,
    });
  }

  /** Stores without events (loading persisted data). */
  load(gr: string, obj: Obj) {
    this.sortedKeys.delete(gr);
    this.bucket(gr).set(
      `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`,
      obj,
    );
  }

  dropResource(gr: string) {
    this.sortedKeys.delete(gr);
    this.data.delete(gr);
  }

  private emit(e: StoreEvent) {
    this.history.push(e);
    // The oldest event goes by moving the start, not by shifting the array (a copy of the whole
    // history per write); the array is cut once half of it is dropped slots.
    while (this.history.length - this.historyStart > this.historySize) {
      this.compactedRV = this.history[this.historyStart]!.rv;
      this.history[this.historyStart++] = undefined;
    }
    if (this.historyStart > 0 && this.historyStart * 2 >= this.history.length) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
    for (const l of [...this.listeners]) l(e);
  }

  /** Forgets the event history, so watches resuming from any earlier resourceVersion get 410 Expired. */
  compact() {
    this.history = [];
    this.historyStart = 0;
    this.compactedRV = this.rv;
  }

  /** Retained events newer than `rv`, or 'expired' when some of them are no longer retained. */
  since(rv: number): StoreEvent[] | 'expired' {
    if (rv < this.compactedRV) return 'expired';
    let i = this.history.length;
    while (i > this.historyStart && this.history[i - 1]!.rv > rv) i--;
    return this.history.slice(i) as StoreEvent[];
  }

  subscribe(l: (e: StoreEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  all(): Array<{ gr: string; object: Obj }> {
    const out: Array<{ gr: string; object: Obj }> = [];
    for (const [gr, b] of this.data)
      for (const o of b.values()) out.push({ gr, object: o });
    return out;
  }
}
