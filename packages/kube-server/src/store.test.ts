import { Store } from './store';

describe('Store', () => {
  it('keeps the last historySize events for watches, and answers expired for older versions', () => {
    const store = new Store(3);
    const seen: number[] = [];
    store.subscribe(e => seen.push(e.rv));
    const write = (name: string) => {
      const rv = store.nextRV();
      store.put(
        'configmaps',
        { metadata: { name, namespace: 'a', resourceVersion: String(rv) } },
        'ADDED',
      );
      return rv;
    };
    const rvs = Array.from({ length: 2500 }, (_, i) => write(`cm-${i}`));
    expect(seen).toEqual(rvs);
    const last = rvs.slice(-3);
    // Resuming from the version before the oldest retained event: every later one is there.
    expect(store.since(last[0] - 1)).not.toBe('expired');
    expect((store.since(last[0] - 1) as any[]).map(e => e.rv)).toEqual(last);
    expect((store.since(last[1]) as any[]).map(e => e.rv)).toEqual([last[2]]);
    expect(store.since(last[2])).toEqual([]);
    // One more back, and an event in between is no longer retained.
    expect(store.since(last[0] - 2)).toBe('expired');
    expect(store.oldestWatchableRV).toBe(last[0] - 1);

    store.compact();
    expect(store.since(last[2] - 1)).toBe('expired');
    expect(store.since(last[2])).toEqual([]);
    const next = write('after');
    expect((store.since(last[2]) as any[]).map(e => e.rv)).toEqual([next]);
  });
});
