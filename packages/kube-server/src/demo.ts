/* The demo seed for the local default: a Gateway, a SPIRE trust bundle, credential Secrets and two agents. */
import crypto from 'node:crypto';
import { generateCa } from './certs';
import type { KubeServer } from './KubeServer';
import { runningPodStatus, templateHash } from './simulate';

type Obj = Record<string, any>;

export const DEMO_TRUST_DOMAIN = 'localtest.me';
const AGENTS = ['weather-agent', 'research-agent'];

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A SPIFFE trust bundle (JWKS with x509-svid keys) holding one freshly generated CA for `trustDomain`. */
export async function demoSpiffeBundle(
  trustDomain = DEMO_TRUST_DOMAIN,
): Promise<string> {
  const ca = await generateCa(`SPIRE demo CA for ${trustDomain}`, {
    uri: `spiffe://${trustDomain}`,
  });
  const jwk = (await crypto.webcrypto.subtle.exportKey(
    'jwk',
    ca.keys.publicKey as any,
  )) as Obj;
  return JSON.stringify(
    {
      keys: [
        {
          use: 'x509-svid',
          kty: jwk.kty,
          crv: jwk.crv,
          x: jwk.x,
          y: jwk.y,
          x5c: [ca.der.toString('base64')],
        },
      ],
      spiffe_sequence: 1,
      spiffe_refresh_hint: 300,
    },
    null,
    2,
  );
}

/** Seeds the demo objects; skips when the demo Gateway already exists (for example, loaded from a data file). */
export async function seedDemo(server: KubeServer): Promise<void> {
  if (!server.api.registry.byKind('gateway.networking.k8s.io/v1', 'Gateway')) {
    throw new Error(
      'the demo seed needs the Gateway API CRDs; load deploy/upstream-crds (the default crdDirs)',
    );
  }
  if (
    server
      .list('gateway.networking.k8s.io/v1', 'Gateway', 'team1')
      .some(g => g.metadata.name === 'ai-gateway')
  )
    return;
  const labels = { 'kube-server.kagenti.dev/demo': 'true' };
  for (const ns of ['team1', 'spire-system']) {
    server.put({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels },
    });
  }
  server.put({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'envoy-gateway', labels },
    spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
  });
  server.put({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'ai-gateway', namespace: 'team1', labels },
    spec: {
      gatewayClassName: 'envoy-gateway',
      listeners: [
        {
          name: 'https',
          protocol: 'HTTPS',
          port: 8443,
          tls: {
            mode: 'Terminate',
            certificateRefs: [
              {
                kind: 'Secret',
                group: '',
                name: 'ai-gateway-access-mtls-server',
              },
            ],
          },
        },
        { name: 'http', protocol: 'HTTP', port: 8080 },
      ],
    },
  });
  server.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'spire-bundle', namespace: 'spire-system', labels },
    data: { 'bundle.spiffe': await demoSpiffeBundle() },
  });
  const secrets: Array<[string, string, string]> = [
    ['openai-secret', 'apiKey', 'sk-demo-not-a-real-openai-key'],
    ['azure-secret', 'client-secret', 'demo-not-a-real-azure-client-secret'],
    [
      'aws-secret',
      'credentials',
      '[default]\naws_access_key_id = AKIADEMONOTREAL0000\naws_secret_access_key = demo/not/a/real/secret\n',
    ],
  ];
  for (const [name, key, value] of secrets) {
    server.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'team1', labels },
      type: 'Opaque',
      data: { [key]: b64(value) },
    });
  }
  for (const agent of AGENTS) seedAgent(server, agent, labels);
}

function seedAgent(
  server: KubeServer,
  agent: string,
  demoLabels: Record<string, string>,
) {
  const ns = 'team1';
  const labels = {
    ...demoLabels,
    'app.kubernetes.io/name': agent,
    'kagenti.io/type': 'agent',
  };
  const selector = { 'app.kubernetes.io/name': agent };
  const container = {
    name: 'agent',
    image: `ghcr.io/kagenti/demo/${agent}:0.1.0`,
    ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    },
  };
  server.put({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: agent, namespace: ns, labels },
  });
  const deployment = server.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: agent, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: { serviceAccountName: agent, containers: [container] },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: 1,
      readyReplicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
    },
  });
  server.put({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: agent, namespace: ns, labels },
    spec: {
      selector,
      ports: [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }],
    },
  });
  // The same hash the simulated Deployment controller uses, so it adopts these instead of replacing them.
  const hash = templateHash(deployment.spec.template);
  const owner = (o: Obj) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    uid: o.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  });
  const rs = server.put({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${agent}-${hash}`,
      namespace: ns,
      labels: { ...labels, 'pod-template-hash': hash },
      ownerReferences: [owner(deployment)],
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { ...selector, 'pod-template-hash': hash } },
      template: {
        metadata: { labels: { ...labels, 'pod-template-hash': hash } },
        spec: { containers: [container] },
      },
    },
    status: {
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      fullyLabeledReplicas: 1,
      observedGeneration: 1,
    },
  });
  const started = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const podSpec = {
    serviceAccountName: agent,
    nodeName: 'kube-server-node',
    containers: [container],
  };
  server.put({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${agent}-${hash}-${hash.slice(0, 5)}`,
      namespace: ns,
      labels: { ...labels, 'pod-template-hash': hash },
      ownerReferences: [owner(rs)],
    },
    spec: podSpec,
    status: runningPodStatus(podSpec, started),
  });
}
