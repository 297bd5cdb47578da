import {
  clone,
  mergePatch,
  serverSideApply,
  Shape,
  strategicMergePatch,
  ApplyConflictError,
  displayPath,
} from './merge';

const builtin = new Shape(undefined, true);
const now = '2026-01-01T00:00:00Z';

describe('clone', () => {
  it('copies as a JSON round trip would, sharing nothing with the original', () => {
    const original: any = {
      spec: {
        list: [1, 'a', undefined, { deep: [true, null] }, () => 1],
        gone: undefined,
        fn: () => 1,
        nan: NaN,
        when: new Date('2026-01-02T03:04:05Z'),
      },
      status: null,
    };
    const copy = clone(original);
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(original)));
    expect('gone' in copy.spec).toBe(false);
    copy.spec.list[3].deep.push(1);
    expect(original.spec.list[3].deep).toEqual([true, null]);
    expect(clone(undefined)).toBeUndefined();
    expect(clone('text')).toBe('text');
  });
});

describe('strategicMergePatch', () => {
  const pod = {
    spec: {
      containers: [
        {
          name: 'a',
          image: 'a:1',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
          ports: [{ containerPort: 80 }],
        },
        { name: 'b', image: 'b:1' },
      ],
      tolerations: [{ key: 't' }],
    },
  };

  it('merges lists by their merge keys and replaces lists without one', () => {
    const out: any = strategicMergePatch(
      pod,
      {
        spec: {
          containers: [
            {
              name: 'a',
              env: [{ name: 'Y', value: '3' }],
              ports: [{ containerPort: 443 }],
            },
            { name: 'c', image: 'c:1' },
          ],
          tolerations: [{ key: 'u' }],
        },
      },
      builtin,
    );
    expect(out.spec.containers.map((c: any) => c.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(out.spec.containers[0].image).toBe('a:1');
    expect(out.spec.containers[0].env).toEqual([
      { name: 'X', value: '1' },
      { name: 'Y', value: '3' },
    ]);
    expect(out.spec.containers[0].ports).toEqual([
      { containerPort: 80 },
      { containerPort: 443 },
    ]);
    expect(out.spec.tolerations).toEqual([{ key: 'u' }]);
  });

  it('honours $patch: delete and null', () => {
    const out: any = strategicMergePatch(
      pod,
      {
        spec: {
          containers: [
            { name: 'b', $patch: 'delete' },
            { name: 'a', image: null },
          ],
        },
      },
      builtin,
    );
    expect(out.spec.containers).toEqual([
      {
        name: 'a',
        env: pod.spec.containers[0].env,
        ports: [{ containerPort: 80 }],
      },
    ]);
  });
});

describe('mergePatch', () => {
  it('follows RFC 7386', () => {
    expect(
      mergePatch(
        { a: 1, b: { c: 2, d: 3 }, l: [1, 2] },
        { b: { c: null, e: 4 }, l: [3] },
      ),
    ).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [3] });
  });
});

describe('serverSideApply', () => {
  const opts = (manager: string, force = false) => ({
    manager,
    apiVersion: 'apps/v1',
    force,
    hasStatus: true,
    shape: builtin,
    now,
  });
  const deploy = (containers: any[], extra: any = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { template: { spec: { containers } }, ...extra },
  });

  it('records the same fields on a create as on an apply over an object no one manages', () => {
    const config = () =>
      deploy(
        [
          { name: 'app', image: 'app:1', ports: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 's:1', args: ['-v', '-x'] },
        ],
        { replicas: 2, selector: { matchLabels: {} } },
      );
    const labelled = (o: any) => ({
      ...o,
      metadata: {
        ...o.metadata,
        labels: { team: 'a' },
        finalizers: ['x/y'],
      },
      status: { ready: 1 },
    });
    const created = serverSideApply(undefined, labelled(config()), opts('a'));
    // The same object, present but with no managers: the general path.
    const bare = { metadata: { name: 'd' } };
    const applied = serverSideApply(bare, labelled(config()), opts('a'));
    expect(created.metadata.managedFields).toEqual(
      applied.metadata.managedFields,
    );
    expect(JSON.stringify(created.metadata.managedFields[0].fieldsV1)).toBe(
      JSON.stringify(applied.metadata.managedFields[0].fieldsV1),
    );
    expect(created.metadata.managedFields[0].fieldsV1).toEqual({
      'f:metadata': {
        'f:labels': { 'f:team': {} },
        'f:finalizers': { 'v:"x/y"': {} },
      },
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {},
                'f:name': {},
                'f:image': {},
                'f:ports': {
                  'k:{"containerPort":80}': {
                    '.': {},
                    'f:containerPort': {},
                  },
                },
              },
              'k:{"name":"sidecar"}': {
                '.': {},
                'f:name': {},
                'f:image': {},
                'f:args': {},
              },
            },
          },
        },
        'f:replicas': {},
        'f:selector': { 'f:matchLabels': {} },
      },
    });
    // Applying again over the created object takes the general path and keeps the record.
    const again = serverSideApply(created, labelled(config()), opts('a'));
    expect(again.metadata.managedFields).toEqual(
      created.metadata.managedFields,
    );
  });

  it('merges associative lists per item and reports conflicts by path', () => {
    const a = serverSideApply(
      undefined,
      deploy([{ name: 'app', image: 'app:1' }], { replicas: 2 }),
      opts('alice'),
    );
    const b = serverSideApply(
      a,
      deploy([{ name: 'sidecar', image: 's:1' }]),
      opts('bob'),
    );
    expect(b.spec.template.spec.containers.map((c: any) => c.name)).toEqual([
      'app',
      'sidecar',
    ]);
    expect(b.spec.replicas).toBe(2);
    let err: unknown;
    try {
      serverSideApply(
        b,
        deploy([{ name: 'app', image: 'app:2' }], { replicas: 3 }),
        opts('bob'),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApplyConflictError);
    expect((err as Error).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "alice" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="app"].image',
    );
  });

  it('removes list items an applier stops applying, and ignores status on the main resource', () => {
    const a = serverSideApply(
      undefined,
      {
        ...deploy([
          { name: 'app', image: 'app:1' },
          { name: 'old', image: 'o:1' },
        ]),
        status: { replicas: 5 },
      },
      opts('alice'),
    );
    expect(a.status).toBeUndefined();
    const b = serverSideApply(
      a,
      deploy([{ name: 'app', image: 'app:1' }]),
      opts('alice'),
    );
    expect(b.spec.template.spec.containers).toEqual([
      { name: 'app', image: 'app:1' },
    ]);
  });

  it('keeps a dropped list item, with its key, while another manager owns a field in it', () => {
    const a = serverSideApply(
      undefined,
      deploy([
        { name: 'app', image: 'app:1' },
        { name: 'side', image: 's:1' },
      ]),
      opts('alice'),
    );
    const b = serverSideApply(
      a,
      deploy([{ name: 'side', image: 's:1', args: ['x'] }]),
      opts('bob'),
    );
    const c = serverSideApply(
      b,
      deploy([{ name: 'app', image: 'app:1' }]),
      opts('alice'),
    );
    expect(c.spec.template.spec.containers).toEqual([
      { name: 'app', image: 'app:1' },
      { name: 'side', image: 's:1', args: ['x'] },
    ]);
  });

  it('renders set and keyed paths like the API server', () => {
    expect(displayPath(['f:metadata', 'f:finalizers', 'v:"x"'])).toBe(
      '.metadata.finalizers[="x"]',
    );
    expect(
      displayPath([
        'f:spec',
        'f:ports',
        'k:{"port":80,"protocol":"TCP"}',
        'f:name',
      ]),
    ).toBe('.spec.ports[port=80,protocol="TCP"].name');
  });
});
