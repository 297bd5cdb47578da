/* The requests Backstage's Kubernetes plugin makes (notes/kubernetes-plugin-requests.md), answered as a real server would. */
import { KubeServer } from './KubeServer';
import { seedDemo } from './demo';
import { startKubeServer } from './startKubeServer';

type Obj = Record<string, any>;

/** The 13 DEFAULT_OBJECTS list paths of @backstage/plugin-kubernetes-backend. */
const DEFAULT_OBJECTS: Array<[string, string]> = [
  ['/api/v1', 'pods'],
  ['/api/v1', 'services'],
  ['/api/v1', 'configmaps'],
  ['/api/v1', 'limitranges'],
  ['/api/v1', 'resourcequotas'],
  ['/apis/apps/v1', 'deployments'],
  ['/apis/apps/v1', 'replicasets'],
  ['/apis/autoscaling/v2', 'horizontalpodautoscalers'],
  ['/apis/batch/v1', 'jobs'],
  ['/apis/batch/v1', 'cronjobs'],
  ['/apis/networking.k8s.io/v1', 'ingresses'],
  ['/apis/apps/v1', 'statefulsets'],
  ['/apis/apps/v1', 'daemonsets'],
];

describe('Backstage kubernetes plugin requests', () => {
  let server: KubeServer;
  const saToken = 'backstage-sa-token';

  beforeAll(async () => {
    server = await startKubeServer({
      crdDirs: [
        require('node:path').resolve(
          __dirname,
          '../../../deploy/upstream-crds',
        ),
      ],
      anonymous: false,
      tokens: {
        [saToken]: {
          user: 'system:serviceaccount:backstage:reader',
          rules: [{ verbs: ['get', 'list', 'watch'], resources: ['*'] }],
        },
      },
    });
    await seedDemo(server);
  });
  afterAll(() => server?.stop());

  // The backend builds URLs itself and calls them with node-fetch and `Authorization: Bearer <serviceAccountToken>`.
  const get = async (p: string, token = saToken) => {
    const r = await fetch(`${server.url}${p}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    return {
      status: r.status,
      type: r.headers.get('content-type'),
      body: r.headers.get('content-type')?.includes('json')
        ? ((await r.json()) as Obj)
        : await r.text(),
    };
  };
  const selector = encodeURIComponent('app.kubernetes.io/name=weather-agent');

  it('answers every default list, cluster-wide and per namespace, with a List holding items', async () => {
    for (const [prefix, plural] of DEFAULT_OBJECTS) {
      for (const p of [
        `${prefix}/${plural}?labelSelector=${selector}`,
        `${prefix}/namespaces/team1/${plural}?labelSelector=${selector}`,
      ]) {
        const r = await get(p);
        expect({ p, status: r.status }).toEqual({ p, status: 200 });
        expect(Array.isArray((r.body as Obj).items)).toBe(true);
        expect((r.body as Obj).kind).toMatch(/List$/);
      }
    }
  });

  it('returns the agent workload tree: Deployment → ReplicaSet → Pod by uid, with matching containers', async () => {
    const deployments = (
      await get(`/apis/apps/v1/deployments?labelSelector=${selector}`)
    ).body as Obj;
    const replicasets = (
      await get(`/apis/apps/v1/replicasets?labelSelector=${selector}`)
    ).body as Obj;
    const pods = (
      await get(`/api/v1/namespaces/team1/pods?labelSelector=${selector}`)
    ).body as Obj;
    expect(deployments.items.map((d: Obj) => d.metadata.name)).toEqual([
      'weather-agent',
    ]);
    const rs = replicasets.items[0];
    expect(rs.metadata.ownerReferences[0].uid).toBe(
      deployments.items[0].metadata.uid,
    );
    expect(rs.status.replicas).toBeGreaterThan(0);
    const pod = pods.items[0];
    expect(pod.metadata.ownerReferences[0].uid).toBe(rs.metadata.uid);
    expect(pod.spec.containers[0].resources.requests).toEqual({
      cpu: '100m',
      memory: '128Mi',
    });
    expect(pod.status.containerStatuses.map((c: Obj) => c.name)).toEqual(
      pod.spec.containers.map((c: Obj) => c.name),
    );
    expect(
      (await get(`/api/v1/services?labelSelector=${selector}`)).body,
    ).toMatchObject({
      kind: 'ServiceList',
      items: [{ metadata: { name: 'weather-agent' } }],
    });
  });

  it('lists custom resources with a kind, and 404s unknown groups and resources', async () => {
    const gws = (
      await get(
        '/apis/gateway.networking.k8s.io/v1/namespaces/team1/gateways?labelSelector=kube-server.kagenti.dev%2Fdemo%3Dtrue',
      )
    ).body as Obj;
    expect(gws.kind).toBe('GatewayList');
    expect(gws.items.map((g: Obj) => g.metadata.name)).toEqual(['ai-gateway']);
    expect((await get('/apis/nope.example.com/v1/things')).status).toBe(404);
    expect(
      (await get('/api/v1/namespaces/team1/persistentvolumes')).status,
    ).toBe(404);
  });

  it('serves simulated pod metrics in the metrics.k8s.io shape', async () => {
    const metrics = (
      await get(
        `/apis/metrics.k8s.io/v1beta1/namespaces/team1/pods?labelSelector=${selector}`,
      )
    ).body as Obj;
    expect(metrics.kind).toBe('PodMetricsList');
    expect(metrics.items[0]).toMatchObject({
      metadata: { namespace: 'team1' },
      containers: [{ name: 'agent', usage: { cpu: '5m', memory: '20Mi' } }],
    });
  });

  it('serves the proxy calls of the UI: events by involved object, pod logs', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'weather-agent.1', namespace: 'team1' },
      involvedObject: {
        kind: 'Pod',
        name: 'weather-agent-x',
        namespace: 'team1',
      },
      reason: 'Started',
      message: 'Started container agent',
      type: 'Normal',
    });
    const events = (
      await get(
        '/api/v1/namespaces/team1/events?fieldSelector=involvedObject.name=weather-agent-x',
      )
    ).body as Obj;
    expect(events.items.map((e: Obj) => e.reason)).toEqual(['Started']);
    const pod = (
      (await get(`/api/v1/namespaces/team1/pods?labelSelector=${selector}`))
        .body as Obj
    ).items[0];
    const log = await get(
      `/api/v1/namespaces/team1/pods/${pod.metadata.name}/log?container=agent`,
    );
    expect(log.status).toBe(200);
    expect(log.type).toContain('text/plain');
  });

  it('answers 401 for a wrong token and 403 for a write the token is not granted', async () => {
    expect((await get('/api/v1/pods', 'wrong')).status).toBe(401);
    const r = await fetch(`${server.url}/api/v1/namespaces/team1/pods/x`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${saToken}` },
    });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({
      reason: 'Forbidden',
      message:
        'pods "x" is forbidden: User "system:serviceaccount:backstage:reader" cannot delete resource "pods" in API group "" in the namespace "team1"',
    });
  });
});
