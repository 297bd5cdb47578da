/* The local default: simulated controllers, the demo seed, and persistence across restarts. */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeServer } from './KubeServer';
import { SIMULATION_NOTE } from './simulate';
import { startKubeServer } from './startKubeServer';

jest.setTimeout(30_000);

type Obj = Record<string, any>;
const upstream = path.resolve(__dirname, '../../../deploy/upstream-crds');

async function eventually<T>(
  fn: () => T | undefined,
  what: string,
  ms = 3000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

const condition = (o: Obj | undefined, type: string) =>
  (o?.status?.conditions ?? []).find((c: Obj) => c.type === type);

describe('simulated controllers and demo seed', () => {
  let server: KubeServer;
  beforeAll(async () => {
    server = await startKubeServer({
      crdDirs: [upstream],
      simulate: true,
      demo: true,
    });
  });
  afterAll(() => server?.stop());

  const get = (apiVersion: string, kind: string, name: string) =>
    server.get(apiVersion, kind, 'team1', name);

  it('seeds the demo namespaces, Gateway, Secrets and agents', () => {
    expect(server.list('v1', 'Namespace').map(n => n.metadata.name)).toEqual(
      expect.arrayContaining(['team1', 'spire-system']),
    );
    const gw = get('gateway.networking.k8s.io/v1', 'Gateway', 'ai-gateway')!;
    expect(gw.spec.gatewayClassName).toBe('envoy-gateway');
    expect(
      gw.spec.listeners.map((l: Obj) => `${l.name}:${l.port}:${l.protocol}`),
    ).toEqual(['https:8443:HTTPS', 'http:8080:HTTP']);
    expect(gw.spec.listeners[0].tls).toMatchObject({
      mode: 'Terminate',
      certificateRefs: [{ name: 'ai-gateway-access-mtls-server' }],
    });
    expect(Object.keys(get('v1', 'Secret', 'openai-secret')!.data)).toEqual([
      'apiKey',
    ]);
    expect(Object.keys(get('v1', 'Secret', 'azure-secret')!.data)).toEqual([
      'client-secret',
    ]);
    expect(Object.keys(get('v1', 'Secret', 'aws-secret')!.data)).toEqual([
      'credentials',
    ]);
    for (const agent of ['weather-agent', 'research-agent']) {
      expect(get('v1', 'ServiceAccount', agent)).toBeDefined();
      expect(
        get('apps/v1', 'Deployment', agent)!.metadata.labels,
      ).toMatchObject({
        'app.kubernetes.io/name': agent,
        'kagenti.io/type': 'agent',
      });
      const pods = server
        .list('v1', 'Pod', 'team1')
        .filter(p => p.metadata.labels['app.kubernetes.io/name'] === agent);
      expect(pods).toHaveLength(1);
      expect(pods[0].status.phase).toBe('Running');
    }
  });

  it('seeds a real SPIFFE bundle for localtest.me', () => {
    const cm = server.get('v1', 'ConfigMap', 'spire-system', 'spire-bundle')!;
    const bundle = JSON.parse(cm.data['bundle.spiffe']);
    expect(bundle.spiffe_sequence).toBeGreaterThan(0);
    expect(bundle.spiffe_refresh_hint).toBeGreaterThan(0);
    const key = bundle.keys[0];
    expect(key.use).toBe('x509-svid');
    const cert = new X509Certificate(Buffer.from(key.x5c[0], 'base64'));
    expect(cert.ca).toBe(true);
    expect(cert.subjectAltName).toContain('URI:spiffe://localtest.me');
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now());
  });

  it('marks Gateways Accepted and Programmed, saying it is a simulation', async () => {
    const gw = await eventually(() => {
      const g = get('gateway.networking.k8s.io/v1', 'Gateway', 'ai-gateway');
      return condition(g, 'Programmed') ? g : undefined;
    }, 'Gateway status');
    expect(condition(gw, 'Accepted')).toMatchObject({
      status: 'True',
      observedGeneration: gw.metadata.generation,
    });
    expect(condition(gw, 'Programmed')?.message).toContain(SIMULATION_NOTE);
    expect(gw.status.addresses).toEqual([
      { type: 'IPAddress', value: '127.0.0.1' },
    ]);
    const https = gw.status.listeners.find((l: Obj) => l.name === 'https');
    expect(
      https.conditions.find((c: Obj) => c.type === 'ResolvedRefs'),
    ).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef' });
    server.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ai-gateway-access-mtls-server', namespace: 'team1' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    });
    await eventually(() => {
      const l = get(
        'gateway.networking.k8s.io/v1',
        'Gateway',
        'ai-gateway',
      )!.status.listeners.find((x: Obj) => x.name === 'https');
      return (
        l.conditions.find((c: Obj) => c.type === 'ResolvedRefs').status ===
        'True'
      );
    }, 'listener refs resolved');
  });

  it('accepts Envoy AI Gateway objects, or marks them NotAccepted naming the missing object', async () => {
    const AIG = 'aigateway.envoyproxy.io/v1beta1';
    server.put({
      apiVersion: AIG,
      kind: 'AIServiceBackend',
      metadata: { name: 'r-openai', namespace: 'team1' },
      spec: {
        schema: { name: 'OpenAI' },
        backendRef: {
          name: 'r-openai',
          group: 'gateway.envoyproxy.io',
          kind: 'Backend',
        },
      },
    });
    const missing = await eventually(
      () => condition(get(AIG, 'AIServiceBackend', 'r-openai'), 'NotAccepted'),
      'NotAccepted',
    );
    expect(missing).toMatchObject({ status: 'False' });
    expect(missing.message).toContain('Backend team1/r-openai not found');
    server.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name: 'r-openai', namespace: 'team1' },
      spec: {
        endpoints: [{ fqdn: { hostname: 'api.openai.com', port: 443 } }],
      },
    });
    const accepted = await eventually(
      () => condition(get(AIG, 'AIServiceBackend', 'r-openai'), 'Accepted'),
      'Accepted',
    );
    expect(accepted.status).toBe('True');
    expect(
      get(AIG, 'AIServiceBackend', 'r-openai')!.status.conditions,
    ).toHaveLength(1);

    server.put({
      apiVersion: AIG,
      kind: 'BackendSecurityPolicy',
      metadata: { name: 'r-openai', namespace: 'team1' },
      spec: {
        type: 'APIKey',
        apiKey: { secretRef: { name: 'nope-secret' } },
        targetRefs: [
          {
            group: 'aigateway.envoyproxy.io',
            kind: 'AIServiceBackend',
            name: 'r-openai',
          },
        ],
      },
    });
    const bsp = await eventually(
      () =>
        condition(get(AIG, 'BackendSecurityPolicy', 'r-openai'), 'NotAccepted'),
      'BSP NotAccepted',
    );
    expect(bsp.message).toContain('Secret team1/nope-secret not found');

    server.put({
      apiVersion: AIG,
      kind: 'AIGatewayRoute',
      metadata: { name: 'r', namespace: 'team1' },
      spec: {
        parentRefs: [
          {
            name: 'ai-gateway',
            kind: 'Gateway',
            group: 'gateway.networking.k8s.io',
          },
        ],
        rules: [
          {
            matches: [
              {
                headers: [
                  { type: 'Exact', name: 'x-ai-eg-model', value: 'gpt-4o' },
                ],
              },
            ],
            backendRefs: [{ name: 'r-openai' }, { name: 'r-azure' }],
          },
        ],
      },
    });
    const route = await eventually(
      () => condition(get(AIG, 'AIGatewayRoute', 'r'), 'NotAccepted'),
      'route NotAccepted',
    );
    expect(route.message).toContain('AIServiceBackend team1/r-azure not found');
  });

  it('gives Envoy Gateway policies ancestor status', async () => {
    server.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: 'r', namespace: 'team1' },
      spec: {
        targetRefs: [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' },
        ],
        retry: { numRetries: 2 },
      },
    });
    server.put({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'ClientTrafficPolicy',
      metadata: { name: 'access', namespace: 'team1' },
      spec: {
        targetRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'ai-gateway',
            sectionName: 'https',
          },
        ],
      },
    });
    for (const kind of ['BackendTrafficPolicy', 'ClientTrafficPolicy']) {
      const name = kind === 'BackendTrafficPolicy' ? 'r' : 'access';
      const p = await eventually(() => {
        const o = get('gateway.envoyproxy.io/v1alpha1', kind, name);
        return o?.status?.ancestors?.length ? o : undefined;
      }, `${kind} ancestors`);
      expect(p.status.ancestors[0]).toMatchObject({
        ancestorRef: { kind: 'Gateway', name: 'ai-gateway' },
        controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
        conditions: [{ type: 'Accepted', status: 'True' }],
      });
    }
  });
});

describe('persistence', () => {
  it('keeps objects and resourceVersions across restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-server-data-'));
    const dataFile = path.join(dir, 'state.json');
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Thing', plural: 'things' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
              },
            },
          },
        ],
      },
    };
    const first = await startKubeServer({ crdDirs: [], dataFile });
    first.addCrd(crd as any);
    first.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kept', namespace: 'default' },
      data: { a: '1' },
    });
    const thing = first.put({
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 't', namespace: 'default' },
      spec: { x: 1 },
    });
    await first.stop();
    expect(fs.existsSync(dataFile)).toBe(true);

    const second = await startKubeServer({ crdDirs: [], dataFile });
    try {
      expect(second.get('v1', 'ConfigMap', 'default', 'kept')!.data).toEqual({
        a: '1',
      });
      expect(
        second.get('example.com/v1', 'Thing', 'default', 't')!.metadata.uid,
      ).toBe(thing.metadata.uid);
      const next = second.put({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'new', namespace: 'default' },
      });
      expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(
        Number(thing.metadata.resourceVersion),
      );
    } finally {
      await second.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulated Deployment controller', () => {
  let server: KubeServer;
  beforeAll(async () => {
    server = await startKubeServer({
      crdDirs: [upstream],
      simulate: true,
      demo: true,
    });
  });
  afterAll(() => server?.stop());

  it('adopts the demo agents without replacing their pods', async () => {
    await eventually(
      () =>
        condition(
          server.get('apps/v1', 'Deployment', 'team1', 'weather-agent'),
          'Available',
        ),
      'demo deployment status',
    );
    expect(server.list('v1', 'Pod', 'team1')).toHaveLength(2);
    expect(server.list('apps/v1', 'ReplicaSet', 'team1')).toHaveLength(2);
  });

  it('runs pods for a new Deployment, scales them, and rolls a new ReplicaSet on template changes', async () => {
    const tmpl = (image: string) => ({
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image }] },
    });
    server.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: tmpl('web:1'),
      },
    });
    const pods = () =>
      server
        .list('v1', 'Pod', 'default')
        .filter(p => p.metadata.labels.app === 'web');
    await eventually(() => pods().length === 2, 'two pods');
    expect(pods()[0].status).toMatchObject({
      phase: 'Running',
      containerStatuses: [{ name: 'web', ready: true }],
    });
    const d = await eventually(() => {
      const o = server.get('apps/v1', 'Deployment', 'default', 'web');
      return o?.status?.readyReplicas === 2 ? o : undefined;
    }, 'deployment ready');
    expect(condition(d, 'Available')?.message).toContain(SIMULATION_NOTE);

    server.put({ ...d, spec: { ...d.spec, replicas: 1 } });
    await eventually(() => pods().length === 1, 'scaled to one pod');

    const cur = server.get('apps/v1', 'Deployment', 'default', 'web')!;
    server.put({ ...cur, spec: { ...cur.spec, template: tmpl('web:2') } });
    await eventually(
      () =>
        pods().length === 1 && pods()[0].spec.containers[0].image === 'web:2',
      'rolled to web:2',
    );
    expect(server.list('apps/v1', 'ReplicaSet', 'default')).toHaveLength(1);
  });
});
