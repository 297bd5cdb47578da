import request from 'supertest';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { KubeServer, demoSpiffeBundle } from '@kagenti/kube-server';
import {
  ADMIN,
  DEVELOPER,
  Harness,
  STRANGER,
  asUser,
  demoEntities,
  startDemoCluster,
  startHarness,
  unauthenticated,
} from './__testUtils__/harness';
import { Triggers } from './services/Triggers';

const GROUP = 'aigateway.kagenti.dev/v1alpha1';
const INSTANCE = 'aigateway.kagenti.dev/managed-by-instance';
const SECRET_VALUES = [
  'sk-demo-not-a-real-openai-key',
  'demo-not-a-real-azure-client-secret',
  'aws_secret_access_key',
  'PRIVATE KEY',
];

function names(list: any[]) {
  return list.map(o => o.metadata.name).sort();
}

function condition(obj: any, type: string) {
  return obj?.status?.conditions?.find((c: any) => c.type === type);
}

function noSecrets(body: unknown) {
  const text = JSON.stringify(body);
  for (const s of SECRET_VALUES) expect(text).not.toContain(s);
}

describe('ai-gateway backend against kube-server', () => {
  let kube: KubeServer;
  let h: Harness;
  let api: KubernetesObjectApi;

  beforeEach(async () => {
    kube = await startDemoCluster();
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  afterEach(async () => {
    await h?.stop();
    await kube?.stop();
  });

  /** Milliseconds until the demo routing policy's resource appears (without a pass asked for). */
  async function msUntilApplied() {
    const started = Date.now();
    while (
      !kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models') &&
      Date.now() - started < 10_000
    ) {
      await new Promise(r => setTimeout(r, 50));
    }
    return Date.now() - started;
  }

  async function converge(passes = 3) {
    for (let i = 0; i < passes; i++) {
      await h.pass();
      // Let the simulated controllers write their status.
      await new Promise(r => setTimeout(r, 50));
    }
  }

  it('reconciles the demo: resources, rendered objects, Programmed conditions and per-agent access', async () => {
    h = await startHarness({ kube });
    await converge();

    const airp = kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models');
    const aiap = kube.get(
      GROUP,
      'AIAccessPolicy',
      'team1',
      'ai-gateway-access',
    );
    expect(airp?.metadata.labels[INSTANCE]).toBe('backstage');
    expect(aiap?.metadata.labels[INSTANCE]).toBe('backstage');
    expect(condition(airp, 'Programmed')).toMatchObject({ status: 'True' });
    expect(condition(aiap, 'Programmed')).toMatchObject({ status: 'True' });

    expect(
      names(kube.list('gateway.envoyproxy.io/v1alpha1', 'Backend', 'team1')),
    ).toEqual([
      'team1-models-azure',
      'team1-models-bedrock',
      'team1-models-ollama',
      'team1-models-openai',
    ]);
    const ca = kube.get('v1', 'Secret', 'team1', 'ai-gateway-access-mtls-ca');
    expect(ca?.metadata.ownerReferences[0]).toMatchObject({
      kind: 'AIAccessPolicy',
      name: 'ai-gateway-access',
    });
    // The Gateway is never modified.
    const gw = kube.get(
      'gateway.networking.k8s.io/v1',
      'Gateway',
      'team1',
      'ai-gateway',
    );
    expect(
      gw?.metadata.managedFields?.map((f: any) => f.manager) ?? [],
    ).not.toContain('kagenti-ai-gateway');

    for (const agent of ['weather-agent', 'research-agent']) {
      const res = await request(h.http)
        .get(`/api/ai-gateway/agents/default/${agent}/access`)
        .set('Authorization', asUser(DEVELOPER));
      expect(res.status).toBe(200);
      expect(res.body.identity.spiffeId).toBe(
        `spiffe://localtest.me/ns/team1/sa/${agent}`,
      );
      expect(res.body.local).toBe(true);
      expect(res.body.gateways).toHaveLength(1);
      const [access] = res.body.gateways;
      expect(access.admitted).toBe(true);
      expect(access.gateway.endpoint).toBe('https://ai-gateway.team1.svc:8443');
      expect(access.models.map((m: any) => m.name).sort()).toEqual([
        'claude-3-5-sonnet',
        'gpt-4o',
        'qwen2.5:3b',
      ]);
      const gpt = access.models.find((m: any) => m.name === 'gpt-4o');
      expect(gpt.ready).toBe(true);
      expect(gpt.backends.map((b: any) => [b.provider, b.priority])).toEqual([
        ['openai', 0],
        ['azure', 1],
      ]);
      expect(gpt.limits).toEqual([
        {
          kind: 'tokens',
          limit: 100000,
          window: 'Hour',
          tokenCountMode: 'TotalToken',
        },
      ]);
      noSecrets(res.body);
      // Compressed in one step when the caller takes gzip (supertest asks for it and inflates);
      // the same answer, plain, when it does not.
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers.vary).toContain('Accept-Encoding');
      const plain = await request(h.http)
        .get(`/api/ai-gateway/agents/default/${agent}/access`)
        .set('Authorization', asUser(DEVELOPER))
        .set('Accept-Encoding', 'identity');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['content-type']).toMatch(/^application\/json/);
      expect(plain.body).toEqual(res.body);
    }

    const status = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/team1-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(status.status).toBe(200);
    expect(status.body.reachable).toBe(true);
    expect(status.body.objects.length).toBeGreaterThan(8);
    expect(status.body.objects.every((o: any) => o.drift === 'in-sync')).toBe(
      true,
    );
    expect(
      status.body.providers.find((p: any) => p.name === 'openai').credentials,
    ).toEqual({
      type: 'APIKey',
      secretName: 'openai-secret',
    });
    noSecrets(status.body);

    const access = await request(h.http)
      .get('/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access')
      .set('Authorization', asUser(DEVELOPER));
    expect(access.body.bundle.certificates).toBe(1);
    noSecrets(access.body);

    const gateways = await request(h.http)
      .get('/api/ai-gateway/gateways')
      .set('Authorization', asUser(DEVELOPER));
    expect(gateways.body.items).toHaveLength(1);
    expect(gateways.body.items[0]).toMatchObject({
      name: 'ai-gateway',
      namespace: 'team1',
      cluster: 'local',
      local: true,
      reachable: true,
    });
    expect(
      gateways.body.items[0].conditions.find(
        (c: any) => c.type === 'Programmed',
      ).status,
    ).toBe('True');
  });

  it('writes nothing when nothing changed', async () => {
    h = await startHarness({ kube });
    await converge();
    const res0 = await request(h.http).get('/api/ai-gateway/health');
    expect(res0.status).toBe(200);
    await h.pass();
    const res = await request(h.http).get('/api/ai-gateway/health');
    expect(res.body.lastPass.policies).toBe(2);
    expect(res.body.lastPass.clusters[0]).toMatchObject({
      cluster: 'local',
      ok: true,
      writes: 0,
      applied: 0,
      pruned: 0,
      statusWrites: 0,
    });
    // A fixed handful of list requests, whatever the number of policies.
    expect(res.body.lastPass.clusters[0].requests).toBeLessThanOrEqual(14);
  });

  it('reads whole only the policy entities that changed since the last pass', async () => {
    const entities = demoEntities().map(e => ({
      ...e,
      metadata: { ...e.metadata, etag: `etag-${e.metadata.name}` },
    }));
    h = await startHarness({ kube, entities });
    // The first pass lists them whole; later ones list heads, then fetch what changed.
    await h.pass();
    expect(h.catalog.byRefsRequests).toEqual([]);
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeDefined();
    await h.pass();
    expect(h.catalog.byRefsRequests).toEqual([]);
    h.catalog.entities = h.catalog.entities.map(e => ({
      ...e,
      metadata: { ...e.metadata, etag: `${e.metadata.etag}-2` },
    }));
    await h.pass();
    expect(h.catalog.byRefsRequests.flat().sort()).toEqual([
      'aiaccesspolicy:default/ai-gateway-access',
      'airoutingpolicy:default/team1-models',
    ]);
    h.catalog.byRefsRequests.length = 0;
    await h.pass();
    expect(h.catalog.byRefsRequests).toEqual([]);
    const routing = h.catalog.find('airoutingpolicy:default/team1-models')!;
    const edited = structuredClone(routing);
    (edited.spec as any).models[0].rateLimit.tokensPerHour = 5000;
    h.catalog.upsert(edited);
    await h.pass();
    expect(h.catalog.byRefsRequests).toEqual([
      ['airoutingpolicy:default/team1-models'],
    ]);
    const btp = kube.get(
      'gateway.envoyproxy.io/v1alpha1',
      'BackendTrafficPolicy',
      'team1',
      'team1-models',
    );
    expect(JSON.stringify(btp?.spec)).toContain('"requests":5000');
  });

  it('repairs drift: an object edited or deleted by hand is restored', async () => {
    h = await startHarness({ kube });
    await converge(2);
    const backend = kube.get(
      'gateway.envoyproxy.io/v1alpha1',
      'Backend',
      'team1',
      'team1-models-openai',
    )!;
    await api.patch(
      {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'Backend',
        metadata: { name: 'team1-models-openai', namespace: 'team1' },
        spec: {
          endpoints: [{ fqdn: { hostname: 'evil.example.com', port: 443 } }],
        },
      } as any,
      undefined,
      undefined,
      'someone',
      undefined,
      'application/merge-patch+json' as any,
    );
    kube.delete(
      'aigateway.envoyproxy.io/v1beta1',
      'AIServiceBackend',
      'team1',
      'team1-models-bedrock',
    );
    await h.pass();
    const repaired = kube.get(
      'gateway.envoyproxy.io/v1alpha1',
      'Backend',
      'team1',
      'team1-models-openai',
    )!;
    expect(repaired.spec).toEqual(backend.spec);
    expect(
      kube.get(
        'aigateway.envoyproxy.io/v1beta1',
        'AIServiceBackend',
        'team1',
        'team1-models-bedrock',
      ),
    ).toBeDefined();
    const health = await request(h.http).get('/api/ai-gateway/health');
    expect(health.body.lastPass.clusters[0].applied).toBe(2);
  });

  it('prunes what a policy no longer wants, and only what it owns', async () => {
    h = await startHarness({ kube });
    await converge(1);
    // A lookalike made by hand: managed-by label, but not this instance's label nor owner.
    kube.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: {
        name: 'team1-models-handmade',
        namespace: 'team1',
        labels: {
          'app.kubernetes.io/managed-by': 'kagenti-ai-gateway',
          'aigateway.kagenti.dev/policy': 'team1-models',
        },
      },
      spec: { endpoints: [{ fqdn: { hostname: 'x.example.com', port: 443 } }] },
    });
    // Another Backstage instance's object.
    kube.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: {
        name: 'other-instance',
        namespace: 'team1',
        labels: {
          'app.kubernetes.io/managed-by': 'kagenti-ai-gateway',
          [INSTANCE]: 'other',
        },
      },
      spec: { endpoints: [{ fqdn: { hostname: 'y.example.com', port: 443 } }] },
    });
    const routing = h.catalog.entities.find(
      e => e.metadata.name === 'team1-models',
    )!;
    const spec = routing.spec as any;
    h.catalog.upsert({
      ...routing,
      spec: {
        ...spec,
        providers: spec.providers.filter((p: any) => p.name !== 'ollama'),
        models: spec.models.filter((m: any) => m.name !== 'qwen2.5:3b'),
      },
    });
    await h.pass();
    const backends = names(
      kube.list('gateway.envoyproxy.io/v1alpha1', 'Backend', 'team1'),
    );
    expect(backends).not.toContain('team1-models-ollama');
    expect(backends).toContain('team1-models-handmade');
    expect(backends).toContain('other-instance');
    expect(
      kube.get(
        'aigateway.envoyproxy.io/v1beta1',
        'AIServiceBackend',
        'team1',
        'team1-models-ollama',
      ),
    ).toBeUndefined();
  });

  it('deletes the resource of a policy entity removed from the catalog, never a foreign one', async () => {
    h = await startHarness({ kube });
    await converge(1);
    kube.put({
      apiVersion: GROUP,
      kind: 'AIRoutingPolicy',
      metadata: { name: 'handmade', namespace: 'team1' },
      spec: (kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models') as any)
        .spec,
    });
    h.catalog.remove('airoutingpolicy:default/team1-models');
    await h.pass();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeUndefined();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'handmade'),
    ).toBeDefined();
    expect(
      kube.list('gateway.envoyproxy.io/v1alpha1', 'Backend', 'team1'),
    ).toHaveLength(0);
    // The access policy is untouched.
    expect(
      kube.get(GROUP, 'AIAccessPolicy', 'team1', 'ai-gateway-access'),
    ).toBeDefined();
    const gone = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/team1-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(gone.status).toBe(404);
  });

  it('waits for the grace period before deleting the resource of a vanished entity', async () => {
    h = await startHarness({
      kube,
      aiGateway: { deletionGracePeriod: { seconds: 1 } },
    });
    await h.pass();
    const all = h.catalog.entities;
    h.catalog.entities = [];
    await h.pass();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeDefined();
    expect(
      kube.list('gateway.envoyproxy.io/v1alpha1', 'Backend', 'team1'),
    ).toHaveLength(4);
    // Back within the grace period: nothing was lost.
    h.catalog.entities = all;
    await h.pass();
    h.catalog.remove('airoutingpolicy:default/team1-models');
    await h.pass();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeDefined();
    await new Promise(r => setTimeout(r, 1100));
    await h.pass();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeUndefined();
  });

  it('applies policies the catalog ingests just after startup within seconds, not a poll interval', async () => {
    // As on a fresh start: the catalog is still empty when the backend starts polling it.
    h = await startHarness({
      kube,
      entities: [],
      aiGateway: {
        catalogPollInterval: { seconds: 30 },
        deletionGracePeriod: { minutes: 1 },
      },
    });
    await new Promise(r => setTimeout(r, 300));
    h.catalog.entities = demoEntities();
    expect(await msUntilApplied()).toBeLessThan(5000);
  });

  it('runs a pass as soon as a catalog that was still starting up answers', async () => {
    // The catalog answers 503 at first; the startup pass would have failed the same way.
    h = await startHarness({
      kube,
      catalogUnavailable: true,
      aiGateway: {
        catalogPollInterval: { seconds: 1 },
        deletionGracePeriod: { seconds: 0 },
      },
    });
    await new Promise(r => setTimeout(r, 1500));
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeUndefined();
    // Unchanged content from then on: only the first answer asks for the pass.
    h.catalog.unavailable = false;
    expect(await msUntilApplied()).toBeLessThan(5000);
  });

  it('polls the catalog only at its interval when that is longer than the startup window', async () => {
    h = await startHarness({
      kube,
      entities: [],
      aiGateway: {
        catalogPollInterval: { seconds: 30 },
        deletionGracePeriod: { seconds: 10 },
      },
    });
    await new Promise(r => setTimeout(r, 300));
    h.catalog.entities = demoEntities();
    await new Promise(r => setTimeout(r, 3000));
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeUndefined();
  });

  it('does not take over a resource of the same name that it did not create', async () => {
    const { owner: _owner, ...spec } = demoEntities().find(
      e => e.metadata.name === 'team1-models',
    )!.spec as any;
    kube.put({
      apiVersion: GROUP,
      kind: 'AIRoutingPolicy',
      metadata: {
        name: 'team1-models',
        namespace: 'team1',
        labels: { [INSTANCE]: 'other' },
      },
      spec,
    });
    h = await startHarness({ kube });
    await h.pass();
    const cr = kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models')!;
    expect(cr.metadata.labels[INSTANCE]).toBe('other');
    const res = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/team1-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(res.body.error).toMatch(/belongs to Backstage instance 'other'/);
    // The other policy went ahead.
    expect(
      kube.get(GROUP, 'AIAccessPolicy', 'team1', 'ai-gateway-access'),
    ).toBeDefined();
  });

  // Found by the reliability campaign (packages/reliability): server-side apply adopted a
  // hand-made object that had the name of a rendered one, and removing the policy deleted it.
  it('never adopts, nor later deletes, a hand-made object with the name of a rendered one', async () => {
    const handmade = kube.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: {
        name: 'team1-models-openai',
        namespace: 'team1',
        labels: { team: 'theirs' },
      },
      spec: {
        endpoints: [{ fqdn: { hostname: 'theirs.example.com', port: 443 } }],
      },
    });
    h = await startHarness({
      kube,
      aiGateway: { deletionGracePeriod: { seconds: 0 } },
    });
    await h.pass();
    const after = kube.get(
      'gateway.envoyproxy.io/v1alpha1',
      'Backend',
      'team1',
      'team1-models-openai',
    )!;
    expect(after.metadata.uid).toBe(handmade.metadata.uid);
    expect(after.metadata.labels).toEqual({ team: 'theirs' });
    expect(after.spec).toEqual(handmade.spec);
    const status = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/team1-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(JSON.stringify(status.body)).toContain(
      'Backend team1/team1-models-openai already exists and was not created by Backstage',
    );
    // The other objects of the policy are applied.
    expect(
      kube.get(
        'gateway.envoyproxy.io/v1alpha1',
        'Backend',
        'team1',
        'team1-models-azure',
      ),
    ).toBeDefined();
    h.catalog.remove('airoutingpolicy:default/team1-models');
    await h.pass();
    await h.pass();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeUndefined();
    expect(
      kube.get(
        'gateway.envoyproxy.io/v1alpha1',
        'Backend',
        'team1',
        'team1-models-openai',
      )?.metadata.uid,
    ).toBe(handmade.metadata.uid);
  });

  it('on a first pass over many policies lists a kind once rather than reading each new object, still refusing hand-made ones', async () => {
    const entities = demoEntities();
    const routing = entities.find(e => e.metadata.name === 'team1-models')!;
    const copies = 24;
    for (let i = 0; i < copies; i++) {
      const copy = structuredClone(routing);
      copy.metadata.name = `fleet-${i}`;
      copy.metadata.uid = `fleet-uid-${i}`;
      const spec = copy.spec as { models: Array<{ name: string }> };
      for (const m of spec.models) m.name = `${m.name}-fleet-${i}`;
      entities.push(copy);
    }
    const handmade = kube.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name: 'fleet-20-openai', namespace: 'team1' },
      spec: {
        endpoints: [{ fqdn: { hostname: 'theirs.example.com', port: 443 } }],
      },
    });
    h = await startHarness({ kube, entities });
    await h.pass();
    const health = await request(h.http).get('/api/ai-gateway/health');
    const pass = health.body.lastPass.clusters[0];
    expect(pass.ok).toBe(true);
    // Every object is one write. Reading each missing object before writing it would make the
    // reads outnumber the writes; a few reads per kind and one list of it do not.
    expect(pass.applied).toBeGreaterThan(copies * 8);
    expect(pass.requests - pass.writes).toBeLessThan(pass.applied / 3);
    expect(
      kube.get(
        'gateway.envoyproxy.io/v1alpha1',
        'Backend',
        'team1',
        'fleet-20-openai',
      ),
    ).toEqual(handmade);
    const status = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/fleet-20')
      .set('Authorization', asUser(DEVELOPER));
    expect(JSON.stringify(status.body)).toContain(
      'Backend team1/fleet-20-openai already exists and was not created by Backstage',
    );
    expect(
      kube.get(
        'gateway.envoyproxy.io/v1alpha1',
        'Backend',
        'team1',
        'fleet-21-openai',
      )?.metadata.labels?.[INSTANCE],
    ).toBeDefined();
  });

  it('marks the younger of two routing policies exposing one model as Conflicted', async () => {
    const entities = demoEntities();
    const routing = entities.find(e => e.metadata.name === 'team1-models')!;
    entities.push({
      ...routing,
      metadata: {
        ...routing.metadata,
        name: 'team1-more',
        uid: 'uid-more',
        title: undefined,
      },
      spec: {
        ...(routing.spec as any),
        providers: [(routing.spec as any).providers[0]],
        models: [
          {
            name: 'gpt-4o',
            backends: [{ provider: 'openai', model: 'gpt-4o' }],
          },
        ],
      },
    });
    h = await startHarness({ kube, entities });
    await h.pass();
    await new Promise(r => setTimeout(r, 1100));
    await converge(2);
    const a = kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models');
    const b = kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-more');
    const [older, younger] =
      Date.parse(a!.metadata.creationTimestamp) <=
        Date.parse(b!.metadata.creationTimestamp) &&
      (a!.metadata.creationTimestamp !== b!.metadata.creationTimestamp ||
        a!.metadata.name < b!.metadata.name)
        ? [a, b]
        : [b, a];
    expect(condition(younger, 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'Conflicted',
    });
    expect(condition(younger, 'Accepted').message).toContain(
      older!.metadata.name,
    );
    expect(condition(older, 'Accepted')).toMatchObject({ status: 'True' });
  });

  it('converges through 5xx, 409, 429 and a partition once they stop', async () => {
    h = await startHarness({ kube });
    kube.faults.add({
      kind: 'error',
      verb: 'patch',
      status: 503,
      probability: 0.3,
      count: 20,
    });
    kube.faults.add({
      kind: 'conflict',
      verb: 'patch',
      probability: 0.2,
      count: 10,
    });
    kube.faults.add({
      kind: 'throttle',
      verb: 'patch',
      retryAfterSeconds: 0,
      probability: 0.2,
      count: 10,
    });
    await h.pass();
    const partition = kube.faults.add({ kind: 'partition', verb: 'list' });
    const blocked = h.pass();
    setTimeout(() => kube.faults.remove(partition), 500);
    await blocked;
    kube.faults.clear();
    await converge(3);
    const airp = kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models');
    expect(condition(airp, 'Programmed')).toMatchObject({ status: 'True' });
    expect(
      kube.list('gateway.envoyproxy.io/v1alpha1', 'Backend', 'team1'),
    ).toHaveLength(4);
    await h.pass();
    const health = await request(h.http).get('/api/ai-gateway/health');
    expect(health.body.lastPass.clusters[0]).toMatchObject({
      ok: true,
      writes: 0,
    });
  });

  it('keeps reconciling reachable clusters when one is unreachable', async () => {
    const entities = demoEntities();
    const routing = entities.find(e => e.metadata.name === 'team1-models')!;
    entities.push({
      ...routing,
      metadata: {
        ...routing.metadata,
        name: 'far-models',
        uid: 'uid-far',
        annotations: {
          ...routing.metadata.annotations,
          'aigateway.kagenti.dev/cluster': 'far',
        },
      },
    });
    h = await startHarness({
      kube,
      entities,
      clusters: [
        {
          name: 'local',
          url: kube.url,
          serviceAccountToken: kube.token,
          local: true,
        },
        { name: 'far', url: 'http://127.0.0.1:1', serviceAccountToken: 'x' },
      ],
    });
    const started = Date.now();
    await h.pass();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeDefined();
    const far = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/far-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(far.status).toBe(200);
    expect(far.body).toMatchObject({ cluster: 'far', reachable: false });
    expect(far.body.error).toMatch(/ECONNREFUSED/);
    const health = await request(h.http).get('/api/ai-gateway/health');
    expect(
      health.body.lastPass.clusters.map((c: any) => [c.cluster, c.ok]),
    ).toEqual([
      ['local', true],
      ['far', false],
    ]);
  });

  it('answers 401 without credentials, 404 for entities the caller may not read, 403 without the apply permission', async () => {
    h = await startHarness({ kube });
    await h.pass();
    for (const [method, path] of [
      ['get', '/api/ai-gateway/agents/default/weather-agent/access'],
      ['get', '/api/ai-gateway/policies/default/airoutingpolicy/team1-models'],
      ['get', '/api/ai-gateway/gateways'],
      [
        'post',
        '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/dry-run',
      ],
      [
        'post',
        '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/reconcile',
      ],
      ['post', '/api/ai-gateway/dry-run'],
    ] as const) {
      const res = await (request(h.http) as any)
        [method](path)
        .set('Authorization', unauthenticated());
      expect(res.status).toBe(401);
    }
    const hidden = await request(h.http)
      .get('/api/ai-gateway/agents/default/weather-agent/access')
      .set('Authorization', asUser(STRANGER));
    expect(hidden.status).toBe(404);
    const noGateways = await request(h.http)
      .get('/api/ai-gateway/gateways')
      .set('Authorization', asUser(STRANGER));
    expect(noGateways.body.items).toEqual([]);
    const all = await request(h.http)
      .post('/api/ai-gateway/reconcile')
      .set('Authorization', asUser(DEVELOPER));
    expect(all.status).toBe(403);
    const allowed = await request(h.http)
      .post('/api/ai-gateway/reconcile')
      .set('Authorization', asUser(ADMIN));
    expect(allowed.status).toBe(202);
    for (const action of ['dry-run', 'reconcile']) {
      const denied = await request(h.http)
        .post(
          `/api/ai-gateway/policies/default/airoutingpolicy/team1-models/${action}`,
        )
        .set('Authorization', asUser(DEVELOPER));
      expect(denied.status).toBe(403);
      expect(denied.body.error.name).toBe('NotAllowedError');
    }
  });

  it('answers per-agent access from the agent directory, which follows edits and deletions within its max age', async () => {
    h = await startHarness({
      kube,
      aiGateway: { agentDirectoryMaxAge: { milliseconds: 300 } },
    });
    await h.pass();
    const access = (agent: string, user = ADMIN) =>
      request(h.http)
        .get(`/api/ai-gateway/agents/default/${agent}/access`)
        .set('Authorization', asUser(user));
    /** Makes a request that finds the directory old, and waits for the read it starts. */
    const refreshThrough = async (agent: string) => {
      // Two agents: one page of the catalog's stream per read.
      const before = h.catalog.streamedPages;
      const res = await access(agent);
      for (let i = 0; i < 100 && h.catalog.streamedPages === before; i++)
        await new Promise(r => setTimeout(r, 20));
      expect(h.catalog.streamedPages).toBe(before + 1);
      // The read itself: give its answer a moment to land.
      await new Promise(r => setTimeout(r, 50));
      return res;
    };

    // The first request reads the agent from the catalog and starts the directory's read.
    const first = await refreshThrough('weather-agent');
    expect(first.status).toBe(200);
    expect(h.catalog.byRefRequests).toContain(
      'component:default/weather-agent',
    );
    h.catalog.byRefRequests.length = 0;
    const fromDirectory = await access('research-agent');
    expect(fromDirectory.status).toBe(200);
    expect(fromDirectory.body.identity.spiffeId).toBe(
      'spiffe://localtest.me/ns/team1/sa/research-agent',
    );
    expect(h.catalog.byRefRequests).toEqual([]);

    // A caller who may not read the agent still gets 404, from the catalog's answer.
    expect((await access('weather-agent', STRANGER)).status).toBe(404);

    // An edited agent shows once the directory is older than its max age and read again.
    const weather = h.catalog.find('component:default/weather-agent')!;
    h.catalog.upsert({
      ...weather,
      metadata: {
        ...weather.metadata,
        annotations: {
          ...weather.metadata.annotations,
          'kagenti.io/service-account': 'weather-sa',
        },
      },
    });
    const stale = await access('weather-agent');
    expect(stale.body.identity.spiffeId).toBe(
      'spiffe://localtest.me/ns/team1/sa/weather-agent',
    );
    await new Promise(r => setTimeout(r, 350));
    await refreshThrough('weather-agent');
    const edited = await access('weather-agent');
    expect(edited.body.identity.spiffeId).toBe(
      'spiffe://localtest.me/ns/team1/sa/weather-sa',
    );

    // A removed agent is not answered from the directory after its next read.
    h.catalog.remove('component:default/research-agent');
    await new Promise(r => setTimeout(r, 350));
    await refreshThrough('weather-agent');
    expect((await access('research-agent')).status).toBe(404);
  });

  it('reads the agent from the catalog on every request when the directory is off', async () => {
    h = await startHarness({
      kube,
      aiGateway: { agentDirectoryMaxAge: { seconds: 0 } },
    });
    await h.pass();
    for (let i = 0; i < 3; i++) {
      const res = await request(h.http)
        .get('/api/ai-gateway/agents/default/weather-agent/access')
        .set('Authorization', asUser(ADMIN));
      expect(res.status).toBe(200);
    }
    expect(
      h.catalog.byRefRequests.filter(
        r => r === 'component:default/weather-agent',
      ),
    ).toHaveLength(3);
  });

  it('dry-runs and reconciles one policy for a user with the apply permission, without secret values', async () => {
    h = await startHarness({ kube });
    const before = await request(h.http)
      .post(
        '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access/dry-run',
      )
      .set('Authorization', asUser(ADMIN));
    expect(before.status).toBe(200);
    expect(before.body.valid).toBe(true);
    expect(
      before.body.diff.map((d: any) => [d.kind, d.name, d.action]),
    ).toEqual(
      expect.arrayContaining([
        ['Secret', 'ai-gateway-access-mtls-ca', 'create'],
        ['Secret', 'ai-gateway-access-mtls-server', 'create'],
        ['ClientTrafficPolicy', 'ai-gateway-access', 'create'],
      ]),
    );
    const server = before.body.objects.find(
      (o: any) => o.metadata.name === 'ai-gateway-access-mtls-server',
    );
    expect(server.data).toEqual({
      'tls.crt': '(redacted)',
      'tls.key': '(redacted)',
    });
    noSecrets(before.body);
    expect(
      kube.get('v1', 'Secret', 'team1', 'ai-gateway-access-mtls-ca'),
    ).toBeUndefined();

    const done = await request(h.http)
      .post(
        '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access/reconcile',
      )
      .set('Authorization', asUser(ADMIN));
    expect(done.status).toBe(200);
    expect(done.body.applied).toBeGreaterThanOrEqual(4);
    expect(done.body.conditions.map((c: any) => c.type)).toContain(
      'Programmed',
    );
    noSecrets(done.body);
    // Only that policy was applied.
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeUndefined();

    const after = await request(h.http)
      .post(
        '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access/dry-run',
      )
      .set('Authorization', asUser(ADMIN));
    expect(after.body.diff.every((d: any) => d.action === 'unchanged')).toBe(
      true,
    );
  });

  it('dry-runs a policy entity given in the body, in the catalog or not, writing nothing', async () => {
    h = await startHarness({ kube });
    await converge();
    const routing = demoEntities().find(e => e.kind === 'AIRoutingPolicy')!;
    // The catalog's etag comes along: it must not make the catalog's version stand in for it.
    const edited: any = structuredClone(routing);
    edited.spec.models[0].rateLimit.tokensPerHour = 5000;
    const renamed: any = structuredClone(routing);
    renamed.metadata.name = 'brand-new';
    delete renamed.metadata.etag;
    const liveSpec = () =>
      (kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models') as any).spec;
    // The store's resourceVersion: any write to the cluster moves it.
    const clock = () => (kube.api as any).store.resourceVersion as number;
    const before = { rv: clock(), spec: liveSpec() };
    const dryRun = (entity: unknown, user = ADMIN) =>
      request(h.http)
        .post('/api/ai-gateway/dry-run')
        .set('Authorization', asUser(user))
        .send({ entity });

    const res = await dryRun(edited);
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.problems).toEqual([]);
    const changed = res.body.diff.filter((d: any) => d.action !== 'unchanged');
    expect(changed).toContainEqual(
      expect.objectContaining({
        kind: 'BackendTrafficPolicy',
        name: 'team1-models',
        action: 'update',
        differences: ['spec.rateLimit.global.rules'],
      }),
    );
    // The policy resource itself is part of the preview: both modes apply it.
    expect(changed).toContainEqual(
      expect.objectContaining({
        kind: 'AIRoutingPolicy',
        name: 'team1-models',
        action: 'update',
      }),
    );
    expect(changed.every((d: any) => d.action === 'update')).toBe(true);
    noSecrets(res.body);

    // What the cluster as it is decides comes back as problems, where the spec is.
    const access: any = structuredClone(
      demoEntities().find(e => e.kind === 'AIAccessPolicy')!,
    );
    access.spec.targetRef.name = 'no-such-gateway';
    const orphan = await dryRun(access);
    expect(orphan.status).toBe(200);
    expect(orphan.body.problems).toContainEqual({
      path: 'spec.targetRef',
      message: expect.stringMatching(
        /^GatewayBound would be False \(GatewayNotFound\)/,
      ),
    });

    const fresh = await dryRun(renamed);
    expect(fresh.status).toBe(200);
    expect(fresh.body.valid).toBe(true);
    expect(fresh.body.diff).toContainEqual(
      expect.objectContaining({
        kind: 'AIGatewayRoute',
        name: 'brand-new',
        action: 'create',
      }),
    );
    expect(fresh.body.diff.every((d: any) => d.action === 'create')).toBe(true);

    // Nothing was applied, and the next pass still applies the catalog's version.
    expect(clock()).toBe(before.rv);
    expect(kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'brand-new')).toBe(
      undefined,
    );
    await h.pass();
    expect(liveSpec()).toEqual(before.spec);
    const again = await dryRun(routing);
    expect(again.body.diff.every((d: any) => d.action === 'unchanged')).toBe(
      true,
    );
    const settled = clock();

    // An invalid entity: valid false, every problem with its field path.
    const broken: any = structuredClone(routing);
    broken.spec.models[0].backends[0].provider = 'nope';
    broken.spec.providers[0].endpoint = 'not a url';
    const invalid = await dryRun(broken);
    expect(invalid.status).toBe(200);
    expect(invalid.body).toMatchObject({ valid: false, objects: [], diff: [] });
    expect(invalid.body.problems.map((p: any) => p.path)).toEqual(
      expect.arrayContaining([
        'spec.models[0].backends[0].provider',
        'spec.providers[0].endpoint',
      ]),
    );
    expect(invalid.body.problems.every((p: any) => p.path && p.message)).toBe(
      true,
    );

    // Without the apply permission (whether or not the caller may read the policy): 403.
    for (const user of [DEVELOPER, STRANGER]) {
      const denied = await dryRun(renamed, user);
      expect(denied.status).toBe(403);
      expect(denied.body.error.name).toBe('NotAllowedError');
    }

    // Malformed bodies: 400.
    for (const body of [
      undefined,
      {},
      { entity: 'kind: AIRoutingPolicy' },
      { entity: [routing] },
      { entity: { ...routing, kind: 'Component' } },
      { entity: { ...routing, kind: 'airoutingpolicy' } },
      { entity: { ...routing, metadata: { namespace: 'default' } } },
      { entity: { ...routing, metadata: 'team1-models' } },
    ]) {
      const bad = await request(h.http)
        .post('/api/ai-gateway/dry-run')
        .set('Authorization', asUser(ADMIN))
        .send(body as any);
      expect([bad.status, bad.body.error?.name]).toEqual([400, 'InputError']);
    }
    const notJson = await request(h.http)
      .post('/api/ai-gateway/dry-run')
      .set('Authorization', asUser(ADMIN))
      .set('Content-Type', 'application/json')
      .send('{"entity": ');
    expect(notJson.status).toBe(400);
    expect(clock()).toBe(settled);
  });

  it('in external mode applies only the policy resources and reports the status read back', async () => {
    h = await startHarness({ kube, aiGateway: { mode: 'external' } });
    await h.pass();
    expect(
      kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models'),
    ).toBeDefined();
    expect(
      kube.list('gateway.envoyproxy.io/v1alpha1', 'Backend', 'team1'),
    ).toHaveLength(0);
    const cr = kube.get(GROUP, 'AIRoutingPolicy', 'team1', 'team1-models')!;
    kube.put({
      ...cr,
      status: {
        conditions: [
          {
            type: 'Programmed',
            status: 'True',
            reason: 'Programmed',
            message: 'by the controller',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    });
    await h.pass();
    const res = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/team1-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(res.body.conditions).toEqual([
      expect.objectContaining({
        type: 'Programmed',
        status: 'True',
        message: 'by the controller',
      }),
    ]);
  });

  it("asks for no pass on the watch echoes of its own writes, and for one on someone else's", async () => {
    const requested = jest.spyOn(Triggers.prototype, 'request');
    try {
      h = await startHarness({ kube, aiGateway: { watch: true } });
      const secretReasons = () =>
        requested.mock.calls
          .map(([why]) => why)
          .filter(why => / Secret team1\//.test(why));
      // Watches list first; the pass then writes the access policy's Secrets, which no
      // controller touches: their events are all echoes.
      await new Promise(r => setTimeout(r, 500));
      await h.pass();
      const ca = kube.get('v1', 'Secret', 'team1', 'ai-gateway-access-mtls-ca');
      expect(ca).toBeDefined();
      await new Promise(r => setTimeout(r, 500));
      expect(secretReasons()).toEqual([]);

      kube.put({
        ...ca!,
        metadata: {
          ...ca!.metadata,
          annotations: { 'edited-by': 'someone' },
        },
      });
      for (let i = 0; i < 50 && !secretReasons().length; i++) {
        await new Promise(r => setTimeout(r, 20));
      }
      expect(secretReasons()).toEqual([
        'MODIFIED Secret team1/ai-gateway-access-mtls-ca in local',
      ]);
    } finally {
      requested.mockRestore();
    }
  });

  it('follows the cluster through watches: a deleted object comes back, a rotated bundle reaches the CA Secret', async () => {
    h = await startHarness({ kube, aiGateway: { watch: true } });
    await converge(2);
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) {
        await new Promise(r => setTimeout(r, 100));
      }
      return check();
    };
    kube.delete(
      'gateway.envoyproxy.io/v1alpha1',
      'BackendTrafficPolicy',
      'team1',
      'team1-models',
    );
    expect(
      await waitFor(
        () =>
          !!kube.get(
            'gateway.envoyproxy.io/v1alpha1',
            'BackendTrafficPolicy',
            'team1',
            'team1-models',
          ),
      ),
    ).toBe(true);

    const caBefore = kube.get(
      'v1',
      'Secret',
      'team1',
      'ai-gateway-access-mtls-ca',
    )!.data['ca.crt'];
    const cm = kube.get('v1', 'ConfigMap', 'spire-system', 'spire-bundle')!;
    kube.put({ ...cm, data: { 'bundle.spiffe': await demoSpiffeBundle() } });
    expect(
      await waitFor(
        () =>
          kube.get('v1', 'Secret', 'team1', 'ai-gateway-access-mtls-ca')!.data[
            'ca.crt'
          ] !== caBefore,
      ),
    ).toBe(true);
  });
});
