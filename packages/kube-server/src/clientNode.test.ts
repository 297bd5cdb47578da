/* Drives the server with @kubernetes/client-node 1.4 (the client the backend uses), over plain HTTP with a token. */
import * as k8s from '@kubernetes/client-node';
import { KubeServer } from './KubeServer';
import { startKubeServer } from './startKubeServer';

jest.setTimeout(30_000);

type Obj = Record<string, any>;

const SSA = k8s.PatchStrategy.ServerSideApply;

async function failure(
  p: Promise<unknown>,
): Promise<{ code: number; body: Obj; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      return {
        code: e.code,
        body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body,
        headers: e.headers,
      };
    }
    throw e;
  }
  throw new Error('expected the request to fail');
}

describe('@kubernetes/client-node against kube-server', () => {
  let server: KubeServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let objects: k8s.KubernetesObjectApi;

  beforeAll(async () => {
    server = await startKubeServer({
      crdDirs: [],
      anonymous: false,
      bookmarkIntervalMs: 200,
      watchHistory: 20,
      seed: 42,
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(server.kubeconfig());
    core = kc.makeApiClient(k8s.CoreV1Api);
    objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    await core.createNamespace({ body: { metadata: { name: 'demo' } } });
  });

  afterEach(() => server.faults.clear());
  afterAll(() => server?.stop());

  it('creates, reads, updates, lists and deletes with resourceVersion concurrency', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: {
        metadata: { name: 'c1', labels: { app: 'a' } },
        data: { k: 'v' },
      },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const read = await core.readNamespacedConfigMap({
      name: 'c1',
      namespace: 'demo',
    });
    expect(read.data).toEqual({ k: 'v' });

    const updated = await core.replaceNamespacedConfigMap({
      name: 'c1',
      namespace: 'demo',
      body: { ...read, data: { k: 'v2' } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(read.metadata?.resourceVersion),
    );
    const stale = await failure(
      core.replaceNamespacedConfigMap({
        name: 'c1',
        namespace: 'demo',
        body: { ...read, data: { k: 'v3' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      details: { name: 'c1', kind: 'configmaps' },
    });

    const dup = await failure(
      core.createNamespacedConfigMap({
        namespace: 'demo',
        body: { metadata: { name: 'c1' } },
      }),
    );
    expect(dup.body).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
      message: 'configmaps "c1" already exists',
    });

    await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: { metadata: { name: 'c2', labels: { app: 'b', tier: 'x' } } },
    });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (
        await core.listNamespacedConfigMap({
          namespace: 'demo',
          labelSelector,
          fieldSelector,
        })
      ).items.map(i => i.metadata?.name);
    expect(await names('app=a')).toEqual(['c1']);
    expect(await names('app in (a,b)')).toEqual(['c1', 'c2']);
    expect(await names('app notin (a),tier')).toEqual(['c2']);
    expect(await names('!tier')).toEqual(['c1']);
    expect(await names('app!=a')).toEqual(['c2']);
    expect(await names(undefined, 'metadata.name=c2')).toEqual(['c2']);

    const dry = await core.deleteNamespacedConfigMap({
      name: 'c2',
      namespace: 'demo',
      dryRun: 'All',
    });
    expect(dry.status).toBe('Success');
    expect(await names()).toEqual(['c1', 'c2']);
    await core.deleteNamespacedConfigMap({ name: 'c2', namespace: 'demo' });
    const gone = await failure(
      core.readNamespacedConfigMap({ name: 'c2', namespace: 'demo' }),
    );
    expect(gone.body).toMatchObject({
      reason: 'NotFound',
      message: 'configmaps "c2" not found',
    });
  });

  it('merges strategic patches by name and applies JSON patches', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'demo',
      body: {
        metadata: { name: 'd' },
        spec: {
          selector: { matchLabels: { app: 'd' } },
          template: {
            metadata: { labels: { app: 'd' } },
            spec: {
              containers: [
                { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
                { name: 'b', image: 'b:1' },
              ],
            },
          },
        },
      },
    });
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'd',
        namespace: 'demo',
        body: {
          spec: {
            template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } },
          },
        },
      },
      k8s.setHeaderOptions(
        'Content-Type',
        k8s.PatchStrategy.StrategicMergePatch,
      ),
    );
    expect(
      patched.spec?.template.spec?.containers.map(c => `${c.name}=${c.image}`),
    ).toEqual(['a=a:1', 'b=b:2']);
    expect(patched.metadata?.generation).toBe(2);
    const jp = await apps.patchNamespacedDeployment(
      {
        name: 'd',
        namespace: 'demo',
        body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect(jp.spec?.replicas).toBe(3);
  });

  it('server-side applies with managed fields, conflicts, force, and removal of dropped fields', async () => {
    const cm = (data: Obj, labels: Obj = {}) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace: 'demo', labels },
      data,
    });
    const first = (await objects.patch(
      cm({ a: '1', b: '2' }),
      undefined,
      undefined,
      'alice',
      false,
      SSA,
    )) as Obj;
    expect(first.metadata?.managedFields?.[0]).toMatchObject({
      manager: 'alice',
      operation: 'Apply',
      fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
    });

    const conflict = await failure(
      objects.patch(cm({ a: 'x' }), undefined, undefined, 'bob', false, SSA),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "alice" using v1: .data.a',
    );
    expect(conflict.body.details.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alice" using v1',
        field: '.data.a',
      },
    ]);

    // Same value: shared ownership, no conflict.
    await objects.patch(
      cm({ b: '2' }),
      undefined,
      undefined,
      'bob',
      false,
      SSA,
    );
    const forced = (await objects.patch(
      cm({ a: 'x' }),
      undefined,
      undefined,
      'carol',
      true,
      SSA,
    )) as Obj;
    expect(forced.data).toEqual({ a: 'x', b: '2' });
    const owners = Object.fromEntries(
      forced.metadata.managedFields.map((m: Obj) => [
        m.manager,
        Object.keys(m.fieldsV1['f:data'] ?? {}),
      ]),
    );
    expect(owners).toEqual({ alice: ['f:b'], bob: ['f:b'], carol: ['f:a'] });

    // carol drops a (owned by carol alone): removed. alice drops b (bob still owns it): kept.
    const after = (await objects.patch(
      cm({ c: '3' }),
      undefined,
      undefined,
      'carol',
      false,
      SSA,
    )) as Obj;
    expect(after.data).toEqual({ b: '2', c: '3' });
    const kept = (await objects.patch(
      cm({}, { l: '1' }),
      undefined,
      undefined,
      'alice',
      false,
      SSA,
    )) as Obj;
    expect(kept.data).toEqual({ b: '2', c: '3' });
    expect(kept.metadata.labels).toEqual({ l: '1' });

    const noManager = await failure(
      objects.patch(
        cm({ z: '1' }),
        undefined,
        undefined,
        undefined,
        false,
        SSA,
      ),
    );
    expect(noManager.code).toBe(422);
  });

  it('watches from a resourceVersion with bookmarks, and answers 410 Expired for compacted versions', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'demo' });
    const from = list.metadata!.resourceVersion!;
    const events: Array<[string, Obj]> = [];
    const watch = new k8s.Watch(kc);
    const controller = await watch.watch(
      '/api/v1/namespaces/demo/configmaps',
      { allowWatchBookmarks: true, resourceVersion: from },
      (type, obj) => events.push([type, obj]),
      () => {},
    );
    await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: { metadata: { name: 'w1' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'w1', namespace: 'demo', body: { data: { a: '1' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'demo' });
    await new Promise(r => setTimeout(r, 500));
    controller.abort();
    const kinds = events
      .filter(([t]) => t !== 'BOOKMARK')
      .map(([t, o]) => `${t} ${o.metadata.name}`);
    expect(kinds).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    const bookmark = events.find(([t]) => t === 'BOOKMARK');
    expect(bookmark?.[1]).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
    });
    expect(Number(bookmark?.[1].metadata.resourceVersion)).toBeGreaterThan(
      Number(from),
    );

    for (let i = 0; i < 25; i++)
      await core.createNamespacedConfigMap({
        namespace: 'demo',
        body: { metadata: { name: `churn-${i}` } },
      });
    const expired = await new Promise<Obj>(resolve => {
      watch.watch(
        '/api/v1/namespaces/demo/configmaps',
        { resourceVersion: from },
        (type, obj) => type === 'ERROR' && resolve(obj),
        () => {},
      );
    });
    expect(expired).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
    });
  });

  it('feeds an informer (list, then watch from its resourceVersion) with a label selector', async () => {
    const informer = k8s.makeInformer(
      kc,
      '/api/v1/namespaces/demo/configmaps',
      () =>
        core.listNamespacedConfigMap({
          namespace: 'demo',
          labelSelector: 'informed=yes',
        }),
      'informed=yes',
    );
    const seen: string[] = [];
    informer.on('add', o => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', o => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', o => seen.push(`delete ${o.metadata?.name}`));
    await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: { metadata: { name: 'inf-1', labels: { informed: 'yes' } } },
    });
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: { metadata: { name: 'inf-2', labels: { informed: 'yes' } } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: { metadata: { name: 'other' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'inf-2', namespace: 'demo', body: { data: { x: '1' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'inf-1', namespace: 'demo' });
    const until = Date.now() + 3000;
    while (seen.length < 4 && Date.now() < until)
      await new Promise(r => setTimeout(r, 20));
    expect(seen).toEqual([
      'add inf-1',
      'add inf-2',
      'update inf-2',
      'delete inf-1',
    ]);
    expect(informer.list('demo').map(o => o.metadata?.name)).toEqual(['inf-2']);

    // Dropped watches and a compacted history (410 on resume) make it re-watch and relist; it keeps up.
    server.compact();
    expect(server.closeWatches()).toBeGreaterThan(0);
    await core.createNamespacedConfigMap({
      namespace: 'demo',
      body: { metadata: { name: 'inf-3', labels: { informed: 'yes' } } },
    });
    const until2 = Date.now() + 5000;
    while (!informer.get('inf-3', 'demo') && Date.now() < until2)
      await new Promise(r => setTimeout(r, 50));
    await informer.stop();
    expect(
      informer
        .list('demo')
        .map(o => o.metadata?.name)
        .sort(),
    ).toEqual(['inf-2', 'inf-3']);
  });

  it('server-side applies and reads custom resources through KubernetesObjectApi', async () => {
    await objects.patch(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { kind: 'Gadget', plural: 'gadgets' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { n: { type: 'integer' } },
                    },
                    status: {
                      type: 'object',
                      properties: { ok: { type: 'boolean' } },
                    },
                  },
                },
              },
            },
          ],
        },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      'test',
      false,
      SSA,
    );
    const gadget = {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: 'demo' },
      spec: { n: 1 },
    };
    const applied = (await objects.patch(
      gadget,
      undefined,
      undefined,
      'test',
      false,
      SSA,
    )) as Obj;
    expect(applied.metadata.generation).toBe(1);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'example.com',
        version: 'v1',
        namespace: 'demo',
        plural: 'gadgets',
        name: 'g',
        body: { status: { ok: true } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const read = (await custom.getNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'demo',
      plural: 'gadgets',
      name: 'g',
    })) as Obj;
    expect(read.status).toEqual({ ok: true });
    expect(read.metadata.generation).toBe(1);
    const bad = await failure(
      objects.patch(
        { ...gadget, spec: { n: 'many' } } as k8s.KubernetesObject,
        undefined,
        undefined,
        'test',
        false,
        SSA,
      ),
    );
    expect(bad.code).toBe(422);
    expect(bad.body.details.causes[0]).toMatchObject({
      field: 'spec.n',
      reason: 'FieldValueInvalid',
    });
    const list = await objects.list('example.com/v1', 'Gadget', 'demo');
    expect(list.items.map(i => i.metadata?.name)).toEqual(['g']);
  });

  it('injects 5xx, 429 with Retry-After, resets, partitions and conflict storms', async () => {
    server.faults.add({
      kind: 'error',
      verb: 'get',
      resource: 'configmaps',
      status: 503,
      count: 1,
    });
    const e503 = await failure(
      core.readNamespacedConfigMap({ name: 'c1', namespace: 'demo' }),
    );
    expect(e503.code).toBe(503);
    expect(e503.body.reason).toBe('ServiceUnavailable');
    await expect(
      core.readNamespacedConfigMap({ name: 'c1', namespace: 'demo' }),
    ).resolves.toBeDefined();

    server.faults.add({
      kind: 'throttle',
      resource: 'configmaps',
      retryAfterSeconds: 7,
    });
    const e429 = await failure(
      core.listNamespacedConfigMap({ namespace: 'demo' }),
    );
    expect(e429.code).toBe(429);
    expect(e429.headers['retry-after']).toBe('7');
    expect(e429.body).toMatchObject({
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
    });
    server.faults.clear();

    server.faults.add({ kind: 'reset', verb: 'list', count: 1 });
    await expect(
      core.listNamespacedConfigMap({ namespace: 'demo' }),
    ).rejects.toThrow(/socket hang up|ECONNRESET|reset/i);

    const partition = server.faults.add({ kind: 'partition' });
    const pending = core
      .readNamespacedConfigMap({ name: 'c1', namespace: 'demo' })
      .then(
        () => 'answered',
        () => 'dropped',
      );
    const early = await Promise.race([
      pending,
      new Promise(r => setTimeout(() => r('still waiting'), 300)),
    ]);
    expect(early).toBe('still waiting');
    server.faults.remove(partition);
    expect(await pending).toBe('dropped');

    server.faults.add({
      kind: 'conflict',
      verb: 'update',
      resource: 'configmaps',
      count: 3,
    });
    const codes: number[] = [];
    for (;;) {
      const cur = await core.readNamespacedConfigMap({
        name: 'c1',
        namespace: 'demo',
      });
      try {
        await core.replaceNamespacedConfigMap({
          name: 'c1',
          namespace: 'demo',
          body: { ...cur, data: { k: 'storm' } },
        });
        codes.push(200);
        break;
      } catch (e) {
        codes.push((e as k8s.ApiException<unknown>).code);
      }
    }
    expect(codes).toEqual([409, 409, 409, 200]);
  });

  it('adds faults through the admin endpoint, guarded by the admin token', async () => {
    const admin = (method: string, body?: unknown, token = server.adminToken) =>
      fetch(`${server.url}/admin/faults`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await admin('POST', { kind: 'error' }, 'wrong')).status).toBe(401);
    const added = await admin('POST', {
      kind: 'error',
      verb: 'list',
      resource: 'configmaps',
      status: 500,
    });
    expect(added.status).toBe(201);
    expect(
      (await failure(core.listNamespacedConfigMap({ namespace: 'demo' }))).code,
    ).toBe(500);
    expect((await (await admin('GET')).json()).faults).toHaveLength(1);
    await admin('DELETE');
    await expect(
      core.listNamespacedConfigMap({ namespace: 'demo' }),
    ).resolves.toBeDefined();
  });

  it('answers 401 without a token when anonymous access is off', async () => {
    const r = await fetch(`${server.url}/api/v1/namespaces`);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      code: 401,
    });
  });
});
