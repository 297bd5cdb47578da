import request from 'supertest';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { startKubeServer, KubeServer, demoSpiffeBundle } from '@kagenti/kube-server';
import {
  ADMIN,
  DEVELOPER,
  Harness,
  STRANGER,
  asUser,
  demoEntities,
  startHarness,
  unauthenticated,
} from './testing/harness';

const GROUP = 'aigateway.kagenti.dev/v1alpha1';
const INSTANCE = 'aigateway.kagenti.dev/managed-by-instance';
const SECRET_VALUES = [
  'sk-demo-not-a-real-openai-key',
  'demo-not-a-real-azure-client-secret',
  'aws_secret_access_key',
  'PRIVATE KEY',
];

function names(list: Array<{ metadata: { name: string } }>) {
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
    kube = await startKubeServer({ simulate: true, demo: true });
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  afterEach(async () => {
    await h?.stop();
    await kube.stop();
  });

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
    const aiap = kube.get(GROUP, 'AIAccessPolicy', 'team1', 'ai-gateway-access');
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
    const gw = kube.get('gateway.networking.k8s.io/v1', 'Gateway', 'team1', 'ai-gateway');
    expect(gw?.metadata.managedFields?.map((f: any) => f.manager) ?? []).not.toContain(
      'kagenti-ai-gateway',
    );

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
        { kind: 'tokens', limit: 100000, window: 'Hour', tokenCountMode: 'TotalToken' },
      ]);
      noSecrets(res.body);
    }

    const status = await request(h.http)
      .get('/api/ai-gateway/policies/default/airoutingpolicy/team1-models')
      .set('Authorization', asUser(DEVELOPER));
    expect(status.status).toBe(200);
    expect(status.body.reachable).toBe(true);
    expect(status.body.objects.length).toBeGreaterThan(8);
    expect(status.body.objects.every((o: any) => o.drift === 'in-sync')).toBe(true);
    expect(status.body.providers.find((p: any) => p.name === 'openai').credentials).toEqual({
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
      gateways.body.items[0].conditions.find((c: any) => c.type === 'Programmed').status,
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
});
