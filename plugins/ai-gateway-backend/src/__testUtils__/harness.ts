import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  KubeServer,
  demoSpiffeBundle,
  startKubeServer,
} from '@kagenti/kube-server';
import { aiGatewayPlugin } from '../plugin';
import { RECONCILE_TASK_ID } from '../services/Triggers';
import { FakeCatalog } from './fakeCatalog';

export { FakeCatalog };

export const ADMIN = 'user:default/admin';
export const DEVELOPER = 'user:default/dev';
/** A user the catalog hides every entity from. */
export const STRANGER = 'user:default/stranger';

/**
 * kube-server with what the demo policies expect in the cluster: namespaces, the Gateway with an
 * HTTPS listener serving the access policy's server certificate, the SPIRE bundle and the
 * credential Secrets (seeded here rather than with `demo: true`, so the tests state their
 * fixtures).
 */
export async function startDemoCluster(
  options: { simulate?: boolean } = {},
): Promise<KubeServer> {
  const kube = await startKubeServer({ simulate: options.simulate ?? true });
  for (const name of ['team1', 'spire-system']) {
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  kube.put({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'envoy-gateway' },
    spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
  });
  kube.put({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'ai-gateway', namespace: 'team1' },
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
  kube.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'spire-bundle', namespace: 'spire-system' },
    data: { 'bundle.spiffe': await demoSpiffeBundle('localtest.me') },
  });
  for (const [name, key, value] of [
    ['openai-secret', 'apiKey', 'sk-demo-not-a-real-openai-key'],
    ['azure-secret', 'client-secret', 'demo-not-a-real-azure-client-secret'],
    [
      'aws-secret',
      'credentials',
      '[default]\naws_secret_access_key = demo/not/a/real/secret\n',
    ],
  ]) {
    kube.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'team1' },
      type: 'Opaque',
      data: { [key]: Buffer.from(value).toString('base64') },
    });
  }
  return kube;
}

/** The demo entities of examples/ai-gateway.yaml, as the catalog would hold them. */
export function demoEntities(): Entity[] {
  const text = readFileSync(
    resolve(__dirname, '../../../../examples/ai-gateway.yaml'),
    'utf8',
  );
  return parseAllDocuments(text)
    .map(d => d.toJS() as Entity)
    .filter(Boolean)
    .map((e, i) => ({
      ...e,
      metadata: {
        namespace: 'default',
        uid: `uid-${i}`,
        etag: 'e0',
        ...e.metadata,
      },
    }));
}

/** The admin may apply; everybody else may only read. */
async function decide(requests: unknown[], opts?: { credentials?: any }) {
  const principal = opts?.credentials?.principal;
  const allowed =
    principal?.userEntityRef === ADMIN || principal?.type === 'service';
  return requests.map(() => ({
    result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
  }));
}

export interface Harness {
  http: any;
  catalog: FakeCatalog;
  /** Runs one reconcile pass through the scheduler and waits for it. */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(options: {
  kube: KubeServer;
  entities?: Entity[];
  aiGateway?: Record<string, unknown>;
  clusters?: Array<Record<string, unknown>>;
  /** The catalog answers 503 until the test says otherwise, as one still starting up. */
  catalogUnavailable?: boolean;
}): Promise<Harness> {
  const catalog = new FakeCatalog(
    options.entities ?? demoEntities(),
    user => user !== STRANGER,
  );
  catalog.unavailable = options.catalogUnavailable ?? false;
  // The mock scheduler runs a triggered task inline, so a test can await one pass.
  const scheduler = mockServices.scheduler() as unknown as {
    factory(options?: { skipTaskRunOnStartup?: boolean }): any;
    triggerTask(id: string): Promise<void>;
  };
  const backend = await startTestBackend({
    features: [
      aiGatewayPlugin,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalog.service().factory,
      mockServices.permissions.mock({
        authorize: decide as any,
        authorizeConditional: decide as any,
      }).factory,
      mockServices.rootConfig.factory({
        data: {
          aiGateway: {
            clusters: options.clusters ?? [
              {
                name: 'local',
                url: options.kube.url,
                serviceAccountToken: options.kube.token,
                local: true,
              },
            ],
            watch: false,
            catalogPollInterval: { hours: 1 },
            deletionGracePeriod: { seconds: 0 },
            ...options.aiGateway,
          },
        } as any,
      }),
    ],
  });
  return {
    http: backend.server,
    catalog,
    pass: () => scheduler.triggerTask(RECONCILE_TASK_ID),
    stop: () => backend.stop(),
  };
}

export const asUser = (ref: string) => mockCredentials.user.header(ref);
export const unauthenticated = () => mockCredentials.none.header();
