import type { JsonObject } from '@backstage/types';
import {
  coreServices,
  createBackendPlugin,
  type AuthService,
  type DiscoveryService,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
// The real reconciler, so apply is tested end to end (a test-only dependency).
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import aiGatewayPlugin from '@kagenti/backstage-plugin-ai-gateway-backend';
import { startKubeServer, type KubeServer } from '@kagenti/kube-server';
import {
  accessPolicy,
  accessPolicyYaml,
  routingPolicy,
  routingPolicyYaml,
} from '../__fixtures__/entities';
import { createPolicyApplyAction } from './applyPolicy';

const ADMIN = 'user:default/admin';
const DEVELOPER = 'user:default/dev';

/** The policies as the catalog holds them. */
const inCatalog = (e: Entity): Entity => ({
  ...e,
  metadata: {
    ...e.metadata,
    namespace: 'default',
    uid: `uid-${e.metadata.name}`,
    etag: 'e1',
  },
});

describe('aigateway:policy:apply', () => {
  let kube: KubeServer;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let services: {
    auth: AuthService;
    discovery: DiscoveryService;
    permissions: PermissionsService;
  };
  const catalog = catalogServiceMock({
    entities: [inCatalog(routingPolicy), inCatalog(accessPolicy)],
  });
  const dir = createMockDirectory();

  beforeAll(async () => {
    kube = await startKubeServer({ simulate: true, demo: true });
    // The AI Gateway backend plugin (the reconciler) and a probe that hands its services to the
    // action, as the scaffolder module would get them.
    const probe = createBackendPlugin({
      pluginId: 'probe',
      register(env) {
        env.registerInit({
          deps: {
            auth: coreServices.auth,
            discovery: coreServices.discovery,
            permissions: coreServices.permissions,
          },
          async init(deps) {
            services = deps;
          },
        });
      },
    });
    backend = await startTestBackend({
      features: [
        aiGatewayPlugin,
        probe,
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true } as any),
        catalogServiceMock.factory({
          entities: [inCatalog(routingPolicy), inCatalog(accessPolicy)],
        }),
        mockServices.permissions.mock({
          authorize: (async (requests: unknown[], opts: any) =>
            requests.map(() => ({
              result:
                opts?.credentials?.principal?.userEntityRef === ADMIN ||
                opts?.credentials?.principal?.type === 'service'
                  ? AuthorizeResult.ALLOW
                  : AuthorizeResult.DENY,
            }))) as any,
        }).factory,
        mockServices.rootConfig.factory({ data: configData() as any }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await kube?.stop();
  });

  // The real fetch, watched: both modes must go through the AI Gateway backend's REST API.
  let fetchSpy: jest.SpyInstance;
  beforeEach(() => {
    dir.clear();
    fetchSpy = jest.spyOn(globalThis, 'fetch');
  });
  afterEach(() => fetchSpy.mockRestore());

  /** The backend routes the action called (method, path), and the bodies sent. */
  const backendCalls = () =>
    fetchSpy.mock.calls.map(([url, init]) => ({
      call: `${init?.method} ${new URL(String(url)).pathname}`,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    }));

  function configData() {
    return {
      aiGateway: {
        instance: 'test',
        defaultCluster: 'local',
        clusters: [
          {
            name: 'local',
            url: kube.url,
            serviceAccountToken: kube.token,
            local: true,
          },
        ],
        watch: false,
        catalogPollInterval: { hours: 1 },
      },
    };
  }

  async function run(
    input: JsonObject,
    options: {
      user?: string;
      isDryRun?: boolean;
      files?: Record<string, string>;
    } = {},
  ) {
    dir.setContent({ ws: options.files ?? {} });
    const action = createPolicyApplyAction({
      config: new ConfigReader(configData()),
      catalog,
      ...services,
    });
    const ctx = {
      ...createMockActionContext({ input, workspacePath: dir.resolve('ws') }),
      getInitiatorCredentials: async () =>
        mockCredentials.user(options.user ?? ADMIN),
      isDryRun: options.isDryRun ?? false,
    };
    await action.handler(ctx as any);
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  const policiesInCluster = (kind: string) =>
    kube
      .list('aigateway.kagenti.dev/v1alpha1', kind, 'team1')
      .map(o => o.metadata.name);

  it('dry run: outputs the rendered objects and the diff against the live cluster, applying nothing', async () => {
    const out = await run(
      { path: 'policy.yaml', dryRun: true },
      { files: { 'policy.yaml': routingPolicyYaml } },
    );
    expect(out.dryRun).toBe(true);
    expect(out.cluster).toBe('local');
    const created = out.diff
      .filter((d: any) => d.action === 'create')
      .map((d: any) => `${d.kind}/${d.name}`);
    // What the reconciler renders (its own dry run), not a copy of it.
    expect(backendCalls()).toEqual([
      {
        call: 'POST /api/ai-gateway/dry-run',
        body: { entity: expect.objectContaining({ kind: 'AIRoutingPolicy' }) },
      },
    ]);
    expect(created).toEqual(
      expect.arrayContaining([
        'AIServiceBackend/team1-models-openai',
        'Backend/team1-models-ollama',
        'BackendTLSPolicy/team1-models-openai',
        'BackendSecurityPolicy/team1-models-openai',
        'AIGatewayRoute/team1-models',
        'BackendTrafficPolicy/team1-models',
      ]),
    );
    expect(out.objects.map((o: any) => o.kind)).toContain('AIGatewayRoute');
    expect(out.summary).toContain(
      '**airoutingpolicy:default/team1-models** in cluster local (the local development server): create',
    );
    expect(policiesInCluster('AIRoutingPolicy')).toEqual([]);
  });

  it('a template dry run implies dryRun, and Secret values never reach the output', async () => {
    const out = await run({ entity: accessPolicyYaml }, { isDryRun: true });
    expect(out.dryRun).toBe(true);
    expect(out.problems).toEqual([]);
    const secrets = out.objects.filter((o: any) => o.kind === 'Secret');
    expect(secrets.map((s: any) => s.metadata.name).sort()).toEqual([
      'ai-gateway-access-mtls-ca',
      'ai-gateway-access-mtls-server',
    ]);
    expect(JSON.stringify(secrets)).not.toMatch(/BEGIN|LS0t/);
    expect(out.diff).toContainEqual(
      expect.objectContaining({
        kind: 'ClientTrafficPolicy',
        name: 'ai-gateway-access',
        action: 'create',
      }),
    );
    expect(policiesInCluster('AIAccessPolicy')).toEqual([]);
  });

  it('applies a catalog policy through the reconciler; a dry run then finds it in sync', async () => {
    const out = await run({
      entityRef: 'airoutingpolicy:default/team1-models',
    });
    expect(out.dryRun).toBe(false);
    expect(backendCalls().map(c => c.call)).toEqual([
      'POST /api/ai-gateway/policies/default/airoutingpolicy/team1-models/reconcile',
    ]);
    expect(out.result.applied).toBeGreaterThan(0);
    expect(out.summary).toMatch(
      /^\*\*airoutingpolicy:default\/team1-models\*\* applied to cluster local: \d+ applied/,
    );
    expect(policiesInCluster('AIRoutingPolicy')).toEqual(['team1-models']);
    expect(
      kube
        .list('aigateway.envoyproxy.io/v1beta1', 'AIGatewayRoute', 'team1')
        .map(o => o.metadata.name),
    ).toContain('team1-models');

    // The preview renders what the reconciler applied: nothing left to do.
    const again = await run(
      { path: 'policy.yaml', dryRun: true },
      { files: { 'policy.yaml': routingPolicyYaml } },
    );
    expect(again.diff.filter((d: any) => d.action !== 'unchanged')).toEqual([]);
  });

  it('shows what an edit would change', async () => {
    const edited = routingPolicyYaml.replace(
      'tokensPerHour: 100000',
      'tokensPerHour: 5000',
    );
    const out = await run({ entity: edited, dryRun: true });
    const changed = out.diff.filter((d: any) => d.action !== 'unchanged');
    expect(changed).toContainEqual(
      expect.objectContaining({
        kind: 'BackendTrafficPolicy',
        action: 'update',
        differences: ['spec.rateLimit.global.rules'],
      }),
    );
    expect(out.summary).toContain(
      '- update BackendTrafficPolicy team1-models (spec.rateLimit.global.rules)',
    );
  });

  it('refuses to apply a version the catalog does not hold', async () => {
    const edited = routingPolicyYaml.replace(
      'tokensPerHour: 100000',
      'tokensPerHour: 5000',
    );
    await expect(run({ entity: edited })).rejects.toThrow(
      'airoutingpolicy:default/team1-models is in the catalog in another version: publish and register it first',
    );
    const renamed = routingPolicyYaml.replace(
      'name: team1-models',
      'name: brand-new',
    );
    await expect(run({ entity: renamed })).rejects.toThrow(
      'airoutingpolicy:default/brand-new is not in the catalog',
    );
  });

  it('requires the apply permission of the user running the template', async () => {
    await expect(
      run(
        { entityRef: 'aiaccesspolicy:default/ai-gateway-access' },
        { user: DEVELOPER },
      ),
    ).rejects.toThrow(
      expect.objectContaining({
        name: 'NotAllowedError',
        message:
          'user:default/dev may not apply aiaccesspolicy:default/ai-gateway-access: the ai-gateway.policy.apply permission is required',
      }),
    );
    await expect(
      run({ entity: accessPolicyYaml, dryRun: true }, { user: DEVELOPER }),
    ).rejects.toThrow(/may not apply/);
    expect(policiesInCluster('AIAccessPolicy')).toEqual([]);
  });

  it('fails on invalid policies with every problem, and on clusters it does not know', async () => {
    const broken = accessPolicyYaml.replace(
      'trustDomain: localtest.me',
      'trustDomain: Not_Valid!',
    );
    await expect(run({ entity: broken, dryRun: true })).rejects.toThrow(
      /spec\.mtls\.trustDomain: /,
    );
    const elsewhere = accessPolicyYaml.replace(
      'backstage.io/kubernetes-namespace: team1',
      'backstage.io/kubernetes-namespace: team1\n    aigateway.kagenti.dev/cluster: mars',
    );
    // The backend's answer, with its error name.
    await expect(run({ entity: elsewhere, dryRun: true })).rejects.toThrow(
      expect.objectContaining({
        name: 'InputError',
        message:
          "the AI Gateway backend refused the dry run of aiaccesspolicy:default/ai-gateway-access; caused by InputError: cluster 'mars' is not configured",
      }),
    );
    expect(backendCalls().map(c => c.call)).toEqual([
      'POST /api/ai-gateway/dry-run',
    ]);
  });
});
