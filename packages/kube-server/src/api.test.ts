/* HTTP semantics that kubectl and client-node rely on, checked with plain fetch. */
import { KubeServer } from './KubeServer';
import { startKubeServer } from './startKubeServer';

type Obj = Record<string, any>;

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', shortNames: ['wd'] },
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
                properties: {
                  size: { type: 'integer', default: 1 },
                  color: { type: 'string' },
                },
              },
              status: {
                type: 'object',
                properties: { ready: { type: 'boolean' } },
              },
            },
          },
        },
      },
    ],
  },
};

describe('API semantics over HTTP', () => {
  let server: KubeServer;
  const call = async (
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const r = await fetch(`${server.url}${p}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json: Obj = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = { text };
    }
    return { status: r.status, headers: r.headers, body: json };
  };
  const W = '/apis/example.com/v1/namespaces/demo/widgets';

  beforeAll(async () => {
    server = await startKubeServer({ crdDirs: [] });
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'demo' } });
    const created = await call(
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      CRD,
    );
    if (created.status !== 201)
      throw new Error(`CRD not created: ${JSON.stringify(created.body)}`);
  });
  afterAll(() => server?.stop());

  it('serves aggregated discovery with its media type, legacy discovery otherwise, and OpenAPI v3', async () => {
    const agg = await call('GET', '/apis', undefined, {
      Accept:
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(agg.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const group = agg.body.items.find(
      (i: Obj) => i.metadata.name === 'example.com',
    );
    expect(group.versions[0].resources[0]).toMatchObject({
      resource: 'widgets',
      scope: 'Namespaced',
      shortNames: ['wd'],
      responseKind: { kind: 'Widget' },
    });
    const legacy = await call('GET', '/apis/example.com/v1');
    expect(legacy.body.resources.map((r: Obj) => r.name)).toEqual([
      'widgets',
      'widgets/status',
    ]);
    const root = await call('GET', '/openapi/v3');
    const doc = await call(
      'GET',
      root.body.paths['apis/example.com/v1'].serverRelativeURL,
    );
    const patch =
      doc.body.paths[
        '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'
      ].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
    });
    expect(patch.parameters.map((p: Obj) => p.name)).toContain(
      'fieldValidation',
    );
    expect((await call('GET', '/openapi/v2')).status).toBe(404);
  });

  it('applies schema defaults, drops status on create, warns about and prunes unknown fields', async () => {
    const r = await call('POST', W, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { colour: 'red' },
      status: { ready: true },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe(
      '299 - "unknown field \\"spec.colour\\""',
    );
    expect(r.body.spec).toEqual({ size: 1 });
    expect(r.body.status).toBeUndefined();
    expect(r.body.metadata.generation).toBe(1);
  });

  it('requires resourceVersion on PUT of custom resources, and ignores spec on /status', async () => {
    const cur = (await call('GET', `${W}/w`)).body;
    const noRv = await call('PUT', `${W}/w`, {
      ...cur,
      metadata: { ...cur.metadata, resourceVersion: undefined },
    });
    expect(noRv.status).toBe(422);
    const st = await call('PUT', `${W}/w/status`, {
      ...cur,
      spec: { size: 99 },
      status: { ready: true },
    });
    expect(st.body.spec.size).toBe(1);
    expect(st.body.status).toEqual({ ready: true });
    expect(st.body.metadata.generation).toBe(1);
  });

  it('reads apply bodies sent as JSON, as block YAML and as flow YAML alike, and explains broken ones', async () => {
    const apply = (name: string, body: string) =>
      fetch(`${server.url}${W}/${name}?fieldManager=test`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body,
      }).then(async r => ({ status: r.status, body: await r.json() }));
    const json = await apply(
      'as-json',
      JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'as-json' },
        spec: { color: 'red' },
      }),
    );
    const block = await apply(
      'as-yaml',
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: as-yaml\nspec:\n  color: red\n',
    );
    // Flow YAML starts like JSON but is not JSON (unquoted keys).
    const flow = await apply(
      'as-flow',
      '{apiVersion: example.com/v1, kind: Widget, metadata: {name: as-flow}, spec: {color: red}}',
    );
    for (const r of [json, block, flow]) {
      expect(r.status).toBe(201);
      expect(r.body.spec).toEqual({ color: 'red', size: 1 });
    }
    const broken = await apply('broken', '{"apiVersion": "example.com/v1",');
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/^error decoding YAML: /);
  });

  it('does not store dry runs', async () => {
    const r = await call('POST', `${W}?dryRun=All`, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'dry' },
    });
    expect(r.status).toBe(201);
    expect((await call('GET', `${W}/dry`)).status).toBe(404);
  });

  it('refuses objects in a missing namespace', async () => {
    const r = await call('POST', '/api/v1/namespaces/nope/configmaps', {
      metadata: { name: 'x' },
    });
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "nope" not found');
  });

  it('keeps objects with finalizers until the last one is removed', async () => {
    await call('POST', '/api/v1/namespaces/demo/configmaps', {
      metadata: { name: 'fin', finalizers: ['example.com/hold'] },
    });
    const del = await call('DELETE', '/api/v1/namespaces/demo/configmaps/fin');
    expect(del.body.metadata.deletionTimestamp).toBeDefined();
    expect(
      (await call('GET', '/api/v1/namespaces/demo/configmaps/fin')).status,
    ).toBe(200);
    await call(
      'PATCH',
      '/api/v1/namespaces/demo/configmaps/fin',
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(
      (await call('GET', '/api/v1/namespaces/demo/configmaps/fin')).status,
    ).toBe(404);
  });

  it('pages lists with limit and continue', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await call('POST', '/api/v1/namespaces/demo/configmaps', {
        metadata: { name: n, labels: { page: 'yes' } },
      });
    const first = await call(
      'GET',
      '/api/v1/namespaces/demo/configmaps?labelSelector=page%3Dyes&limit=2',
    );
    expect(first.body.items.map((i: Obj) => i.metadata.name)).toEqual([
      'p1',
      'p2',
    ]);
    expect(first.body.metadata.remainingItemCount).toBe(1);
    const rest = await call(
      'GET',
      `/api/v1/namespaces/demo/configmaps?labelSelector=page%3Dyes&limit=2&continue=${first.body.metadata.continue}`,
    );
    expect(rest.body.items.map((i: Obj) => i.metadata.name)).toEqual(['p3']);
    expect(rest.body.metadata.continue).toBeUndefined();
  });

  it('turns selector transitions into ADDED and DELETED watch events', async () => {
    const rv = (await call('GET', '/api/v1/namespaces/demo/configmaps')).body
      .metadata.resourceVersion;
    const controller = new AbortController();
    const res = await fetch(
      `${server.url}/api/v1/namespaces/demo/configmaps?watch=true&labelSelector=tier%3Dfront&resourceVersion=${rv}`,
      { signal: controller.signal },
    );
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    await call('POST', '/api/v1/namespaces/demo/configmaps', {
      metadata: { name: 'sel', labels: { tier: 'back' } },
    });
    await call(
      'PATCH',
      '/api/v1/namespaces/demo/configmaps/sel',
      { metadata: { labels: { tier: 'front' } } },
      merge,
    );
    await call(
      'PATCH',
      '/api/v1/namespaces/demo/configmaps/sel',
      { data: { a: '1' } },
      merge,
    );
    await call(
      'PATCH',
      '/api/v1/namespaces/demo/configmaps/sel',
      { metadata: { labels: { tier: 'back' } } },
      merge,
    );
    const reader = res.body!.getReader();
    let text = '';
    while (text.split('\n').length < 4)
      text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(
      text
        .trim()
        .split('\n')
        .map(l => JSON.parse(l).type),
    ).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it("sends a write's answer and its watch events with the same object, in order", async () => {
    const rv = (await call('GET', '/api/v1/namespaces/demo/configmaps')).body
      .metadata.resourceVersion;
    const controllers = [new AbortController(), new AbortController()];
    const watches = await Promise.all(
      controllers.map(c =>
        fetch(
          `${server.url}/api/v1/namespaces/demo/configmaps?watch=true&labelSelector=burst%3Dyes&resourceVersion=${rv}`,
          { signal: c.signal },
        ),
      ),
    );
    // Written at once: their events are written to each watch together.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(
          'PATCH',
          `/api/v1/namespaces/demo/configmaps/burst-${i}?fieldManager=test`,
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `burst-${i}`, labels: { burst: 'yes' } },
            data: { i: String(i) },
          },
          { 'Content-Type': 'application/apply-patch+yaml' },
        ),
      ),
    );
    const byName = new Map(answers.map(a => [a.body.metadata.name, a.body]));
    for (const [n, res] of watches.entries()) {
      const reader = res.body!.getReader();
      let text = '';
      while (text.split('\n').length <= 20)
        text += new TextDecoder().decode((await reader.read()).value);
      controllers[n].abort();
      const events = text
        .trim()
        .split('\n')
        .map(l => JSON.parse(l));
      expect(events.map(e => e.type)).toEqual(Array(20).fill('ADDED'));
      const versions = events.map(e =>
        Number(e.object.metadata.resourceVersion),
      );
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      for (const e of events)
        expect(e.object).toEqual(byName.get(e.object.metadata.name));
    }
  });

  it('renders Tables for built-in kinds', async () => {
    const r = await call('GET', '/api/v1/namespaces', undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(r.body.kind).toBe('Table');
    expect(r.body.columnDefinitions.map((c: Obj) => c.name)).toEqual([
      'Name',
      'Status',
      'Age',
    ]);
    expect(
      r.body.rows.find((row: Obj) => row.cells[0] === 'demo').cells[1],
    ).toBe('Active');
  });

  it('refuses malformed built-ins as the real server does', async () => {
    const secret = await call('POST', '/api/v1/namespaces/demo/secrets', {
      metadata: { name: 's' },
      data: { key: 'not base64!' },
    });
    expect(secret.status).toBe(400);
    expect(secret.body.message).toBe(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
    const pod = await call('POST', '/api/v1/namespaces/demo/pods', {
      metadata: { name: 'p' },
      spec: {},
    });
    expect(pod.status).toBe(422);
    expect(pod.body.details.causes).toEqual([
      {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec.containers',
      },
    ]);
    const tls = await call('POST', '/api/v1/namespaces/demo/secrets', {
      metadata: { name: 't' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '' },
    });
    expect(tls.body.message).toBe(
      'Secret "t" is invalid: data[tls.key]: Required value',
    );
  });

  it('bumps Deployment generation on spec changes only', async () => {
    const D = '/apis/apps/v1/namespaces/demo/deployments';
    await call('POST', D, {
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
      },
    });
    const smp = { 'Content-Type': 'application/strategic-merge-patch+json' };
    expect(
      (await call('PATCH', `${D}/d`, { metadata: { labels: { x: 'y' } } }, smp))
        .body.metadata.generation,
    ).toBe(1);
    expect(
      (await call('PATCH', `${D}/d/status`, { status: { replicas: 1 } }, smp))
        .body.metadata.generation,
    ).toBe(1);
    expect(
      (await call('PATCH', `${D}/d`, { spec: { replicas: 3 } }, smp)).body
        .metadata.generation,
    ).toBe(2);
  });
});
