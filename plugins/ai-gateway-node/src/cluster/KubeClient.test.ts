import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { startKubeServer, KubeServer } from '@kagenti/kube-server';
import { KubeClient, WatchEvent, peekWatchLine } from './KubeClient';
import { clusterFromKubeconfig } from './clusterConfig';
import { KubeObject, isNotFound, isUnreachable, KubeApiError } from './types';

const FIELD_MANAGER = 'kagenti-ai-gateway';

function configMap(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels: { app: 'test' } },
    data,
  };
}

describe('KubeClient against kube-server over HTTP', () => {
  let server: KubeServer;
  let client: KubeClient;

  beforeAll(async () => {
    server = await startKubeServer({ token: 'secret-token' });
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.faults.clear();
    client = new KubeClient(
      { name: 'test', url: server.url, token: 'secret-token' },
      {
        fieldManager: FIELD_MANAGER,
        baseBackoffMs: 5,
        maxBackoffMs: 50,
        timeoutMs: 2000,
      },
    );
  });
  afterEach(() => client.close());

  it('applies with server-side apply as its field manager, then gets and lists by label', async () => {
    await client.apply(configMap('a', { k: 'v1' }));
    await client.apply(configMap('a', { k: 'v2' }));
    const got = await client.get('v1', 'ConfigMap', 'default', 'a');
    expect(got.data).toEqual({ k: 'v2' });
    expect((got.metadata.managedFields as any[]).map(f => f.manager)).toContain(
      FIELD_MANAGER,
    );
    const { items } = await client.list('v1', 'ConfigMap', {
      labelSelector: 'app=test',
    });
    expect(items.map(i => i.metadata.name)).toContain('a');
    expect(items[0].kind).toBe('ConfigMap');
    expect(client.stats.writes).toBe(2);
  });

  it('reads what it wrote with @kubernetes/client-node too', async () => {
    await client.apply(configMap('b', { k: 'v' }));
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const api = KubernetesObjectApi.makeApiClient(kc);
    const read = await api.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b', namespace: 'default' },
    });
    expect((read as any).data).toEqual({ k: 'v' });
  });

  it('deletes only the incarnation it was told about', async () => {
    const first = await client.apply(configMap('c', { k: 'v' }));
    await expect(
      client.delete('v1', 'ConfigMap', 'default', 'c', 'not-the-uid'),
    ).rejects.toMatchObject({ statusCode: 409 });
    await client.delete('v1', 'ConfigMap', 'default', 'c', first.metadata.uid);
    const err = await client
      .get('v1', 'ConfigMap', 'default', 'c')
      .catch(e => e);
    expect(isNotFound(err)).toBe(true);
  });

  it('retries 429 (honouring Retry-After), 5xx and connection resets', async () => {
    server.faults.add({
      kind: 'throttle',
      verb: 'patch',
      count: 1,
      retryAfterSeconds: 1,
    });
    server.faults.add({ kind: 'error', verb: 'patch', status: 503, count: 1 });
    server.faults.add({ kind: 'reset', verb: 'patch', count: 1 });
    const started = Date.now();
    await client.apply(configMap('d', { k: 'v' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(client.stats.retries).toBe(3);
    expect((await client.get('v1', 'ConfigMap', 'default', 'd')).data).toEqual({
      k: 'v',
    });
  });

  it('gives up after its retries with the API error, without the request body', async () => {
    server.faults.add({ kind: 'error', verb: 'patch', status: 500 });
    const err = await client
      .apply(configMap('e', { password: 'hunter2' }))
      .catch(e => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.statusCode).toBe(500);
    expect(String(err.message)).not.toContain('hunter2');
  });

  it('rides out a partition once it heals', async () => {
    const id = server.faults.add({ kind: 'partition', verb: 'get' });
    setTimeout(() => server.faults.remove(id), 300);
    const c = new KubeClient(
      { name: 'test', url: server.url, token: 'secret-token' },
      {
        fieldManager: FIELD_MANAGER,
        baseBackoffMs: 5,
        maxBackoffMs: 50,
        timeoutMs: 200,
      },
    );
    await c.apply(configMap('f', { k: 'v' }));
    await expect(
      c.get('v1', 'ConfigMap', 'default', 'f'),
    ).resolves.toBeTruthy();
    c.close();
  });

  it('reports an unreachable cluster as such', async () => {
    const c = new KubeClient(
      { name: 'gone', url: 'http://127.0.0.1:1' },
      {
        fieldManager: FIELD_MANAGER,
        baseBackoffMs: 1,
        maxBackoffMs: 5,
        maxRetries: 1,
      },
    );
    const err = await c.list('v1', 'ConfigMap').catch(e => e);
    expect(isUnreachable(err)).toBe(true);
    c.close();
  });

  it('writes status through the status subresource', async () => {
    server.put({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: {
        gatewayClassName: 'eg',
        listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
      },
    });
    await client.applyStatus({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      status: {
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: 'ok',
            lastTransitionTime: '2026-01-01T00:00:00Z',
            observedGeneration: 1,
          },
        ],
      },
    });
    const gw = await client.get(
      'gateway.networking.k8s.io/v1',
      'Gateway',
      'default',
      'gw',
    );
    expect((gw.status as any).conditions[0].type).toBe('Accepted');
  });

  /** A synced watch of the ConfigMaps labelled `app=<app>`, and its events so far. */
  async function watchApp(app: string) {
    const events: WatchEvent[] = [];
    let synced!: () => void;
    const ready = new Promise<void>(r => (synced = r));
    const handle = client.watch(
      'v1',
      'ConfigMap',
      { namespace: 'default', labelSelector: `app=${app}` },
      { onSync: () => synced(), onEvent: ev => events.push(ev) },
    );
    await ready;
    return {
      events,
      /** Stops once `n` events have come (or after a second). */
      async stopAfter(n: number) {
        for (let i = 0; i < 50 && events.length < n; i++) {
          await new Promise(r => setTimeout(r, 20));
        }
        handle.stop();
      },
    };
  }

  it('watches changes after listing', async () => {
    const watch = await watchApp('w');
    const w = configMap('w1', { k: 'v' });
    w.metadata.labels = { app: 'w' };
    const created = await client.apply(w);
    await client.delete(
      'v1',
      'ConfigMap',
      'default',
      'w1',
      created.metadata.uid,
    );
    await watch.stopAfter(2);
    expect(
      watch.events.map(e => `${e.type} ${e.object.metadata.name}`),
    ).toEqual(['ADDED w1', 'DELETED w1']);
  });

  it("tells the echoes of its own writes from other writers' changes", async () => {
    const { events, stopAfter } = await watchApp('echo');
    const other = new KubeClient(
      { name: 'other', url: server.url, token: 'secret-token' },
      { fieldManager: 'someone-else' },
    );
    const mine = configMap('e1', { k: 'v1' });
    mine.metadata.labels = { app: 'echo' };
    const answer = await client.apply(mine);
    const theirs = await other.apply({ ...mine, data: { k: 'v2' } });
    other.close();
    await stopAfter(2);
    expect(events.map(e => [e.type, e.echo ?? false])).toEqual([
      ['ADDED', true],
      ['MODIFIED', false],
    ]);
    // The echo is the write's answer itself, not parsed again; the other change is read whole.
    expect(events[0].object).toBe(answer);
    expect(events[1].object.data).toEqual({ k: 'v2' });
    expect(events[1].object.metadata.resourceVersion).toBe(
      theirs.metadata.resourceVersion,
    );
  });
});

describe('KubeClient request slots', () => {
  /**
   * A client with `maxConcurrency` slots against a bare HTTP server answering with `handle`
   * (discovery of ConfigMaps and the list of those of `default`, empty, are answered for it), for
   * the duration of `use`.
   */
  async function withServer(
    maxConcurrency: number,
    handle: (req: IncomingMessage, res: ServerResponse) => void,
    use: (client: KubeClient) => Promise<void>,
  ) {
    const server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/api/v1') {
        res.end(
          JSON.stringify({
            resources: [
              { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
            ],
          }),
        );
      } else if (req.url === '/api/v1/namespaces/default/configmaps') {
        res.end(
          JSON.stringify({
            kind: 'ConfigMapList',
            apiVersion: 'v1',
            metadata: { resourceVersion: '1' },
            items: [],
          }),
        );
      } else {
        handle(req, res);
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const client = new KubeClient(
      {
        name: 'slots',
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      },
      { fieldManager: FIELD_MANAGER, maxConcurrency },
    );
    try {
      await use(client);
    } finally {
      client.close();
      await new Promise(r => server.close(r));
    }
  }

  it('reads watch lines cut anywhere between chunks, even inside a character', async () => {
    const event = (type: string, name: string, rv: string, value: string) =>
      `${JSON.stringify({
        type,
        object: {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          metadata: { name, namespace: 'default', resourceVersion: rv },
          data: { greeting: value },
        },
      })}\n`;
    const stream = Buffer.from(
      event('ADDED', 'a', '2', 'héllo wörld') +
        event('MODIFIED', 'a', '3', '日本語') +
        event('DELETED', 'a', '4', 'bye'),
    );
    // Cut inside the multi-byte characters of both first lines, and just after a newline.
    const first = stream.indexOf('é') + 1;
    const second = stream.indexOf('本') + 2;
    const third = stream.indexOf('\n', second) + 1;
    const chunks = [
      stream.subarray(0, first),
      stream.subarray(first, second),
      stream.subarray(second, third),
      stream.subarray(third),
    ];
    await withServer(
      2,
      (_req, res) => {
        res.writeHead(200);
        let i = 0;
        const next = () => {
          if (i < chunks.length) {
            res.write(chunks[i++]);
            setTimeout(next, 20);
          }
        };
        next();
      },
      async client => {
        const events: WatchEvent[] = [];
        const handle = client.watch(
          'v1',
          'ConfigMap',
          { namespace: 'default' },
          { onSync: () => {}, onEvent: ev => events.push(ev) },
        );
        for (let i = 0; i < 100 && events.length < 3; i++) {
          await new Promise(r => setTimeout(r, 10));
        }
        handle.stop();
        expect(
          events.map(e => [
            e.type,
            e.object.metadata.resourceVersion,
            (e.object as any).data.greeting,
          ]),
        ).toEqual([
          ['ADDED', '2', 'héllo wörld'],
          ['MODIFIED', '3', '日本語'],
          ['DELETED', '4', 'bye'],
        ]);
      },
    );
  });

  it('knows the echo of its own write when the watch line comes before the answer, and keeps the order of events', async () => {
    const object = (name: string, rv: string, value: string) => ({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name, namespace: 'default', resourceVersion: rv },
      data: { k: value },
    });
    const line = (type: string, o: object) =>
      `${JSON.stringify({ type, object: o })}\n`;
    let watch: ServerResponse | undefined;
    let ready = () => {};
    const watching = new Promise<void>(r => {
      ready = r;
    });
    const events: WatchEvent[] = [];
    await withServer(
      4,
      (req, res) => {
        if (req.method === 'GET') {
          res.writeHead(200);
          res.flushHeaders();
          watch = res;
          ready();
          return;
        }
        // The write's own event, then someone else's, reach the watch before the answer.
        const name = req.url!.split('?')[0].split('/').pop()!;
        if (name === 'mine') {
          watch!.write(line('ADDED', object('mine', '5', 'a')));
          watch!.write(line('MODIFIED', object('theirs', '6', 'b')));
          setTimeout(
            () => res.end(JSON.stringify(object('mine', '5', 'a'))),
            50,
          );
        } else {
          // Their change comes while this write is in flight; its answer comes late.
          watch!.write(line('MODIFIED', object('theirs', '7', 'c')));
          setTimeout(
            () => res.end(JSON.stringify(object('late', '8', 'd'))),
            600,
          );
          setTimeout(
            () => watch!.write(line('ADDED', object('late', '8', 'd'))),
            650,
          );
        }
      },
      async client => {
        const handle = client.watch(
          'v1',
          'ConfigMap',
          { namespace: 'default' },
          { onSync: () => {}, onEvent: ev => events.push(ev) },
        );
        try {
          await watching;
          const answer = await client.apply({
            ...object('mine', '', 'a'),
            metadata: { name: 'mine', namespace: 'default' },
          });
          expect(
            events.map(e => [e.object.metadata.name, e.echo ?? false]),
          ).toEqual([
            ['mine', true],
            ['theirs', false],
          ]);
          // The echo is the write's answer itself.
          expect(events[0].object).toBe(answer);
          const started = Date.now();
          const late = client.apply({
            ...object('late', '', 'd'),
            metadata: { name: 'late', namespace: 'default' },
          });
          // Their change waits no longer than the hold, not for the slow answer.
          for (let i = 0; i < 100 && events.length < 3; i++) {
            await new Promise(r => setTimeout(r, 10));
          }
          expect(Date.now() - started).toBeLessThan(550);
          expect(events[2]).toMatchObject({
            type: 'MODIFIED',
            object: {
              metadata: { name: 'theirs', resourceVersion: '7' },
              data: { k: 'c' },
            },
          });
          expect(events[2].echo).toBeUndefined();
          await late;
          for (let i = 0; i < 100 && events.length < 4; i++) {
            await new Promise(r => setTimeout(r, 10));
          }
          expect(
            events.map(e => [
              e.object.metadata.resourceVersion,
              e.echo ?? false,
            ]),
          ).toEqual([
            ['5', true],
            ['6', false],
            ['7', false],
            ['8', true],
          ]);
        } finally {
          handle.stop();
        }
      },
    );
  });

  it('keeps at most maxConcurrency requests in flight and serves a long queue first come, first served', async () => {
    let inFlight = 0;
    let most = 0;
    const arrived: number[] = [];
    await withServer(
      3,
      (req, res) => {
        inFlight++;
        most = Math.max(most, inFlight);
        arrived.push(Number(req.url!.split('/').pop()));
        setTimeout(() => {
          inFlight--;
          res.end('{}');
        }, 1);
      },
      async client => {
        // Long enough for the queue to be compacted on the way (past 1,024 served).
        const count = 2000;
        await Promise.all(
          Array.from({ length: count }, (_, i) =>
            client.request('GET', `/api/v1/namespaces/default/configmaps/${i}`),
          ),
        );
        expect(most).toBe(3);
        // In the order asked, give or take the requests on the other connections.
        expect(arrived).toHaveLength(count);
        arrived.forEach((n, k) => expect(Math.abs(n - k)).toBeLessThan(3));
        expect(client.stats.requests).toBe(count);
      },
    );
  });

  it('serves a status write before the requests that were waiting for a slot when it came', async () => {
    const arrived: string[] = [];
    await withServer(
      1,
      (req, res) => {
        const path = req.url!.split('?')[0].split('/');
        arrived.push(`${req.method} ${path.slice(-2).join('/')}`);
        setTimeout(() => res.end('{"metadata":{}}'), 5);
      },
      async client => {
        // Discovery first, so that every request below waits only for its slot.
        await client.apply(configMap('warm', {}));
        arrived.length = 0;
        const applies = ['a', 'b', 'c', 'd'].map(n =>
          client.apply(configMap(n, {})),
        );
        // Queued behind the first apply, ahead of the three others.
        await new Promise(r => setImmediate(r));
        const status = client.applyStatus({
          ...configMap('s', {}),
          status: { phase: 'Ready' },
        });
        await Promise.all([...applies, status]);
        expect(arrived).toEqual([
          'PATCH configmaps/a',
          'PATCH s/status',
          'PATCH configmaps/b',
          'PATCH configmaps/c',
          'PATCH configmaps/d',
        ]);
      },
    );
  });
});

describe('cluster configuration', () => {
  it('reads a kubeconfig, and talks HTTPS with its CA', async () => {
    const server = await startKubeServer({ https: true, token: 'tls-token' });
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, server.kubeconfig());
      const spec = clusterFromKubeconfig(file, { name: 'tls' });
      expect(spec.name).toBe('tls');
      expect(spec.caPem).toContain('BEGIN CERTIFICATE');
      const client = new KubeClient(spec, { fieldManager: FIELD_MANAGER });
      await client.apply(configMap('tls', { k: 'v' }));
      expect(
        (await client.get('v1', 'ConfigMap', 'default', 'tls')).data,
      ).toEqual({ k: 'v' });
      client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.stop();
    }
  });
});

describe('peekWatchLine', () => {
  it("reads a watch event's type and the object's resourceVersion without parsing it", () => {
    expect(
      peekWatchLine(
        Buffer.from(
          '{"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"42"},"data":{"k":"say \\"resourceVersion\\":\\"7\\""}}}',
        ),
      ),
    ).toEqual({ type: 'MODIFIED', resourceVersion: '42' });
  });

  it('answers nothing when the line leaves doubt', () => {
    // A second key of that name (an annotation, a field of a custom resource): whose is which?
    expect(
      peekWatchLine(
        Buffer.from(
          '{"type":"ADDED","object":{"metadata":{"annotations":{"resourceVersion":"1"},"resourceVersion":"2"}}}',
        ),
      ),
    ).toBeUndefined();
    // Another writer's layout: the type not first, or spaces after the colons.
    expect(
      peekWatchLine(
        Buffer.from(
          '{"object":{"metadata":{"resourceVersion":"2"}},"type":"ADDED"}',
        ),
      ),
    ).toBeUndefined();
    expect(
      peekWatchLine(
        Buffer.from(
          '{"type":"ADDED","object":{"metadata":{"resourceVersion": "2"}}}',
        ),
      ),
    ).toBeUndefined();
    expect(
      peekWatchLine(Buffer.from('{"type":"ADDED","object":{"metadata":{}}}')),
    ).toBeUndefined();
  });
});
