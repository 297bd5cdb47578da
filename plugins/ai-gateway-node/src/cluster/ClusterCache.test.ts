import { startKubeServer, KubeServer } from '@kagenti/kube-server';
import { ClusterCache } from './ClusterCache';
import { KubeClient } from './KubeClient';

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) {
    await new Promise(r => setTimeout(r, 20));
  }
  return check();
};

describe('ClusterCache', () => {
  let server: KubeServer;
  let client: KubeClient;
  beforeAll(async () => {
    server = await startKubeServer({ token: 't' });
    client = new KubeClient(
      { name: 'c', url: server.url, token: 't' },
      { fieldManager: 'kagenti-ai-gateway' },
    );
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('keeps objects without their managedFields, from the list and from the watch', async () => {
    const configMap = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default', labels: { fields: 'yes' } },
      data: { k: name },
    });
    // Written by someone else, so that the watch reads it whole rather than as an echo.
    const other = new KubeClient(
      { name: 'c', url: server.url, token: 't' },
      { fieldManager: 'someone-else' },
    );
    await other.apply(configMap('listed'));
    const stored = await client.get('v1', 'ConfigMap', 'default', 'listed');
    expect(stored.metadata.managedFields).toBeDefined();
    const cache = new ClusterCache(client);
    cache.track('v1', 'ConfigMap', { labelSelector: 'fields=yes' });
    const cached = () =>
      cache.list('v1', 'ConfigMap', { labelSelector: 'fields=yes' }) ?? [];
    expect(await waitFor(() => cached().length === 1)).toBe(true);
    await other.apply(configMap('watched'));
    other.close();
    expect(await waitFor(() => cached().length === 2)).toBe(true);
    for (const o of cached()) {
      expect(o.metadata.managedFields).toBeUndefined();
      expect(o.metadata.uid).toBeDefined();
      expect(o.metadata.resourceVersion).toBeDefined();
      expect(o.metadata.labels).toEqual({ fields: 'yes' });
      expect(o.data).toEqual({ k: o.metadata.name });
    }
    cache.stop();
  });

  it('answers from its watch once synced, and follows changes without requests', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'default', labels: { mine: 'yes' } },
      data: { k: '1' },
    });
    const events: string[] = [];
    const cache = new ClusterCache(client, ev =>
      events.push(`${ev.type} ${ev.object.metadata.name}`),
    );
    cache.track('v1', 'ConfigMap', {
      labelSelector: 'mine=yes',
      transform: o => ({ ...o, data: { redacted: '' } }),
    });
    expect(cache.list('v1', 'ConfigMap')).toBeUndefined();
    expect(
      await waitFor(
        () => !!cache.list('v1', 'ConfigMap', { labelSelector: 'mine=yes' }),
      ),
    ).toBe(true);
    expect(
      cache
        .list('v1', 'ConfigMap', { labelSelector: 'mine=yes' })!
        .map(o => o.data),
    ).toEqual([{ redacted: '' }]);

    const requests = client.stats.requests;
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b', namespace: 'default', labels: { mine: 'yes' } },
    });
    server.delete('v1', 'ConfigMap', 'default', 'a');
    expect(await waitFor(() => events.length === 2)).toBe(true);
    expect(events).toEqual(['ADDED b', 'DELETED a']);
    expect(
      cache
        .list('v1', 'ConfigMap', { labelSelector: 'mine=yes' })!
        .map(o => o.metadata.name),
    ).toEqual(['b']);
    expect(client.stats.requests).toBe(requests);
    cache.stop();
  });
});
