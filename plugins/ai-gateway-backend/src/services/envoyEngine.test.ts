import { demoSpiffeBundle } from '@kagenti/kube-server';
import {
  KubeObject,
  objectKey,
  parseTrustBundle,
} from '@kagenti/backstage-plugin-ai-gateway-node';
import { ObservedCluster, RenderOutcome } from './engine';
import { createEnvoyEngine } from './envoyEngine';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const routingPolicy: KubeObject = {
  apiVersion: 'aigateway.kagenti.dev/v1alpha1',
  kind: 'AIRoutingPolicy',
  metadata: { name: 'models', namespace: 'team1', uid: 'r-1', generation: 1 },
  spec: {
    targetRef: {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: 'ai-gateway',
    },
    providers: [
      {
        name: 'ollama',
        endpoint: 'http://ollama.team1.svc:11434',
        schema: 'OpenAI',
      },
    ],
    models: [
      { name: 'qwen2.5:3b', backends: [{ provider: 'ollama', model: 'q' }] },
    ],
  },
};

function accessPolicy(serverCertRef?: { name: string }): KubeObject {
  return {
    apiVersion: 'aigateway.kagenti.dev/v1alpha1',
    kind: 'AIAccessPolicy',
    metadata: { name: 'access', namespace: 'team1', uid: 'a-1', generation: 1 },
    spec: {
      targetRef: {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'ai-gateway',
      },
      mtls: {
        trustDomain: 'localtest.me',
        trustBundleConfigMap: { name: 'spire-bundle', namespace: 'spire' },
        allowedSubjects: [
          { spiffeIdPrefix: 'spiffe://localtest.me/ns/team1/' },
        ],
        ...(serverCertRef ? { serverCertRef } : {}),
      },
    },
  };
}

function observedWith(bundle: string): ObservedCluster {
  return {
    cluster: 'local',
    gateways: new Map([
      [
        'team1/ai-gateway',
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: {
            name: 'ai-gateway',
            namespace: 'team1',
            uid: 'g-1',
            generation: 1,
          },
          spec: {
            gatewayClassName: 'envoy-ai-gateway',
            listeners: [{ name: 'https', protocol: 'HTTPS', port: 8443 }],
          },
        },
      ],
    ]),
    configMaps: new Map([
      [
        'spire/spire-bundle',
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'spire-bundle',
            namespace: 'spire',
            uid: 'c-1',
            resourceVersion: '1',
          },
          data: { 'bundle.spiffe': bundle },
        },
      ],
    ]),
    secretKeys: new Map(),
    owned: new Map(),
    policies: [],
  };
}

const serverSecret = (outcome: RenderOutcome) =>
  outcome.objects.find(
    o => o.kind === 'Secret' && o.metadata.name === 'access-mtls-server',
  ) as (KubeObject & { data: Record<string, string> }) | undefined;

describe('the Envoy AI Gateway engine', () => {
  let bundle: string;
  let caExpiry: number;
  // The demo CA is valid for a year from when it is made, so the clock starts at the real time.
  const start = Date.now();
  let time = start;
  const engine = createEnvoyEngine({
    instance: 'test',
    now: () => new Date(time),
  });

  beforeAll(async () => {
    bundle = await demoSpiffeBundle('localtest.me');
    const parsed = parseTrustBundle(bundle, { now: new Date(start) });
    if (!parsed.ok) throw new Error(parsed.message);
    caExpiry = Date.parse(parsed.changesAt);
  });

  it('does not render a routing policy again as time passes: nothing in it depends on the time', async () => {
    time = start;
    const observed = observedWith(bundle);
    const first = await engine.render(routingPolicy, observed);
    expect(first.objects.length).toBeGreaterThan(0);
    for (const later of [3 * HOUR, 40 * DAY, 800 * DAY]) {
      time = start + later;
      expect(await engine.render(routingPolicy, observed)).toBe(first);
    }
  });

  it('renders a policy again when its generation, its bundle or its gateway changes; a dry-run render is its own', async () => {
    time = start;
    const observed = observedWith(bundle);
    const policy = accessPolicy({ name: 'my-server-cert' });
    const first = await engine.render(policy, observed);
    // The same policy read again: the same render.
    expect(
      await engine.render(JSON.parse(JSON.stringify(policy)), observed),
    ).toBe(first);
    // A dry-run's spec under the same generation is rendered apart and changes nothing here.
    const what = {
      ...policy,
      spec: {
        ...(policy.spec as any),
        mtls: { ...(policy.spec as any).mtls, allowedSubjects: [] },
      },
    };
    const hypothetical = await engine.render(what, observed, {
      hypothetical: true,
    });
    expect(hypothetical).not.toBe(first);
    expect(await engine.render(policy, observed)).toBe(first);
    // A new generation, a new version of the bundle's ConfigMap, a new gateway generation.
    const changed = {
      ...policy,
      metadata: { ...policy.metadata, generation: 2 },
    };
    const second = await engine.render(changed, observed);
    expect(second).not.toBe(first);
    const cm = observed.configMaps.get('spire/spire-bundle')!;
    observed.configMaps.set('spire/spire-bundle', {
      ...cm,
      metadata: { ...cm.metadata, resourceVersion: '2' },
    });
    const third = await engine.render(changed, observed);
    expect(third).not.toBe(second);
    const gw = observed.gateways.get('team1/ai-gateway')!;
    observed.gateways.set('team1/ai-gateway', {
      ...gw,
      metadata: { ...gw.metadata, generation: 2 },
    });
    expect(await engine.render(changed, observed)).not.toBe(third);
  });

  it('renders an access policy again when its server certificate is due for renewal, not before', async () => {
    time = start;
    const observed = observedWith(bundle);
    const policy = accessPolicy();
    const made = await engine.render(policy, observed);
    const secret = serverSecret(made)!;
    expect(secret).toBeDefined();
    // The Secret as applied: a changed input, so rendered again, keeping that certificate.
    observed.owned.set(objectKey(secret), {
      ...secret,
      metadata: { ...secret.metadata, uid: 's-1', resourceVersion: '7' },
    });
    const kept = await engine.render(policy, observed);
    expect(kept).not.toBe(made);
    expect(serverSecret(kept)!.data).toEqual(secret.data);
    // The hour changing used to render every policy again.
    for (const later of [2 * HOUR, 30 * DAY, 334 * DAY]) {
      time = start + later;
      expect(await engine.render(policy, observed)).toBe(kept);
    }
    // 30 days before the certificate's year is out (and before the demo CA's): renewed.
    time = start + 335 * DAY + HOUR;
    expect(time).toBeLessThan(caExpiry);
    const renewed = await engine.render(policy, observed);
    expect(renewed).not.toBe(kept);
    expect(serverSecret(renewed)!.data['tls.crt']).not.toBe(
      secret.data['tls.crt'],
    );
  });

  it('renders an access policy again when a CA of its trust bundle expires, not before', async () => {
    const observed = observedWith(bundle);
    // A certificate of the user's own: only the bundle depends on the time.
    const policy = accessPolicy({ name: 'my-server-cert' });
    time = start;
    const first = await engine.render(policy, observed);
    expect((first.detail as any).bundle.ok).toBe(true);
    time = caExpiry - HOUR;
    expect(await engine.render(policy, observed)).toBe(first);
    time = caExpiry + 1000;
    const expired = await engine.render(policy, observed);
    expect(expired).not.toBe(first);
    expect((expired.detail as any).bundle).toMatchObject({
      ok: false,
      reason: 'BundleExpired',
    });
  });
});
