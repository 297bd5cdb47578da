/*
 * Every template in templates/ rendered through the scaffolder's dry-run API
 * (POST /api/scaffolder/v2/dry-run) on a test backend with the scaffolder plugin and this module,
 * and the files and outputs it produces checked the way the catalog and Kubernetes would.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  createMockDirectory,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import scaffolderGithubModule from '@backstage/plugin-scaffolder-backend-module-github';
import { validatePolicyEntity } from '@kagenti/backstage-plugin-ai-gateway-common';
// The AI Gateway backend answers the apply action's preview (a test-only dependency).
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import aiGatewayPlugin from '@kagenti/backstage-plugin-ai-gateway-backend';
import { startKubeServer, type KubeServer } from '@kagenti/kube-server';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import {
  accessPolicy,
  demoEntities,
  gatewayEntity,
  routingPolicy,
} from './__fixtures__/entities';
import scaffolderModuleAiGateway from './index';

const TEMPLATES = path.resolve(__dirname, '../../../templates');

/** A template folder as the dry-run API takes it: the template and its skeleton, base64. */
function templateFiles(name: string) {
  const root = path.join(TEMPLATES, name);
  const out: Array<{ path: string; base64Content: string }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else
        out.push({
          path: path.relative(root, full),
          base64Content: readFileSync(full).toString('base64'),
        });
    }
  };
  walk(root);
  const template = parse(
    readFileSync(path.join(root, 'template.yaml'), 'utf8'),
  );
  return { template, directoryContents: out };
}

interface DryRunResult {
  status: number;
  body: any;
  files: Record<string, string>;
  output: any;
  log: string;
}

describe('templates through the scaffolder dry-run API', () => {
  let kube: KubeServer;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  const published = createMockDirectory();

  beforeAll(async () => {
    kube = await startKubeServer({ simulate: true, demo: true });
    const entities: Entity[] = [
      ...demoEntities(),
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'guests', namespace: 'default' },
        spec: { type: 'team', children: [] },
      },
    ];
    backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleAiGateway,
        scaffolderGithubModule,
        aiGatewayPlugin,
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true } as any),
        catalogServiceMock.factory({ entities }),
        mockServices.permissions.mock({
          authorize: (async (requests: unknown[]) =>
            requests.map(() => ({ result: AuthorizeResult.ALLOW }))) as any,
          authorizeConditional: (async (requests: unknown[]) =>
            requests.map(() => ({ result: AuthorizeResult.ALLOW }))) as any,
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            scaffolder: {
              aiGateway: { localPublishDirectory: published.path },
            },
            aiGateway: {
              defaultCluster: 'local',
              instance: 'test',
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
          },
        }),
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
    await kube?.stop();
  });

  async function dryRun(
    name: string,
    values: Record<string, unknown>,
  ): Promise<DryRunResult> {
    const { template, directoryContents } = templateFiles(name);
    const res = await request(backend.server)
      .post('/api/scaffolder/v2/dry-run')
      .set('Authorization', mockCredentials.user.header('user:default/guest'))
      .send({ template, values, secrets: {}, directoryContents });
    const files: Record<string, string> = {};
    for (const f of res.body.directoryContents ?? []) {
      files[f.path] = Buffer.from(f.base64Content, 'base64').toString('utf8');
    }
    const log = (res.body.log ?? [])
      .map((l: any) => l.body?.message)
      .join('\n');
    return {
      status: res.status,
      body: res.body,
      files,
      output: res.body.output,
      log,
    };
  }

  const docs = (text: string) => parseAllDocuments(text).map(d => d.toJS());

  describe('New AI agent', () => {
    const values = {
      name: 'my-agent',
      description: 'Books meeting rooms',
      owner: 'group:default/guests',
      namespace: 'team1',
      gateway: 'resource:default/ai-gateway',
      models: ['gpt-4o', 'qwen2.5:3b'],
      includeAccessPolicy: false,
      publishTo: 'local',
    };

    it('renders the agent repository on the local default', async () => {
      const r = await dryRun('new-ai-agent', values);
      expect(r.status).toBe(200);
      expect(Object.keys(r.files).sort()).toEqual([
        'README.md',
        'catalog-info.yaml',
        'k8s/deployment.yaml',
        'k8s/service.yaml',
        'k8s/serviceaccount.yaml',
        'k8s/spiffe-helper.yaml',
      ]);

      const [component] = docs(r.files['catalog-info.yaml']);
      expect(component).toEqual({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'my-agent',
          description: 'Books meeting rooms',
          annotations: {
            'backstage.io/kubernetes-namespace': 'team1',
            'backstage.io/kubernetes-label-selector':
              'app.kubernetes.io/name=my-agent',
            'kagenti.io/service-account': 'my-agent',
          },
          tags: ['agent', 'a2a'],
        },
        spec: {
          type: 'agent',
          lifecycle: 'experimental',
          owner: 'group:default/guests',
          dependsOn: ['resource:default/ai-gateway'],
        },
      });

      const [sa] = docs(r.files['k8s/serviceaccount.yaml']);
      expect(sa).toMatchObject({
        kind: 'ServiceAccount',
        metadata: { name: 'my-agent', namespace: 'team1' },
      });

      const [deployment] = docs(r.files['k8s/deployment.yaml']);
      const labels = {
        'app.kubernetes.io/name': 'my-agent',
        'kagenti.io/type': 'agent',
        'kagenti.io/spire': 'enabled',
        'protocol.kagenti.io/a2a': '',
      };
      expect(deployment.metadata.labels).toEqual(labels);
      expect(deployment.spec.template.metadata.labels).toEqual(labels);
      const pod = deployment.spec.template.spec;
      expect(pod.serviceAccountName).toBe('my-agent');
      expect(pod.volumes).toContainEqual({
        name: 'spire-agent-socket',
        csi: { driver: 'csi.spiffe.io', readOnly: true },
      });
      const [agent, helper] = pod.containers;
      expect(agent.env).toContainEqual({
        name: 'OPENAI_BASE_URL',
        value: 'https://ai-gateway.team1.svc:8443/v1',
      });
      expect(agent.env.map((e: any) => e.name)).not.toContain('OPENAI_API_KEY');
      expect(helper.name).toBe('spiffe-helper');
      expect(helper.volumeMounts.map((m: any) => m.mountPath)).toEqual([
        '/spiffe-workload-api',
        '/run/spire/svids',
        '/etc/spiffe-helper',
      ]);
      const [helperConfig] = docs(r.files['k8s/spiffe-helper.yaml']);
      expect(helperConfig.data['helper.conf']).toContain(
        'svid_file_name = "svid.pem"',
      );
      expect(helperConfig.data['helper.conf']).toContain(
        'svid_key_file_name = "svid_key.pem"',
      );
      expect(helperConfig.data['helper.conf']).toContain(
        'svid_bundle_file_name = "bundle.pem"',
      );

      expect(r.files['README.md']).toContain(
        'spiffe://localtest.me/ns/team1/sa/my-agent',
      );
      expect(r.files['README.md']).toContain(
        'curl https://ai-gateway.team1.svc:8443/v1/chat/completions',
      );
      expect(r.files['README.md']).not.toContain('${{');

      const text = r.output.text.map((t: any) => t.content).join('\n');
      expect(text).toContain(
        '**SPIFFE ID:** `spiffe://localtest.me/ns/team1/sa/my-agent`',
      );
      expect(text).toContain(
        '**Gateway endpoint:** `https://ai-gateway.team1.svc:8443/v1`',
      );
      expect(text).toContain('**Models:** gpt-4o, qwen2.5:3b');
      expect(text).toContain(
        `**Published to:** ${path.join(published.path, 'my-agent')}`,
      );
      expect(r.output.links).toEqual([
        {
          title: 'Open the agent in the catalog',
          icon: 'catalog',
          entityRef: 'component:default/my-agent',
        },
        {
          title: 'AI Access of the agent',
          url: '/catalog/default/component/my-agent/ai-access',
        },
      ]);
      // A dry run publishes nothing.
      expect(readdirSync(published.path)).toEqual([]);
    });

    it('adds a valid access policy for a gateway that has none', async () => {
      const r = await dryRun('new-ai-agent', {
        ...values,
        namespace: 'team3',
        gateway: 'resource:default/bare-gateway',
        includeAccessPolicy: true,
        trustDomain: 'example.org',
        bundleConfigMapName: 'spire-bundle',
        bundleConfigMapNamespace: 'spire-system',
        bundleConfigMapKey: 'bundle.crt',
      });
      expect(r.status).toBe(200);
      const policyDocs = docs(r.files['ai-access-policy.yaml']);
      expect(policyDocs).toHaveLength(1);
      const checked = validatePolicyEntity(policyDocs[0]);
      expect(checked).toMatchObject({
        ok: true,
        value: {
          kind: 'AIAccessPolicy',
          name: 'bare-gateway-access',
          namespace: 'team3',
          spec: {
            targetRef: { name: 'bare-gateway' },
            mtls: {
              trustDomain: 'example.org',
              trustBundleConfigMap: {
                name: 'spire-bundle',
                namespace: 'spire-system',
                key: 'bundle.crt',
              },
              allowedSubjects: [
                { spiffeId: 'spiffe://example.org/ns/team3/sa/my-agent' },
              ],
            },
          },
        },
      });
      const [, location] = docs(r.files['catalog-info.yaml']);
      expect(location).toMatchObject({
        kind: 'Location',
        spec: { targets: ['./ai-access-policy.yaml'] },
      });
      expect(r.log).toContain('valid: AIAccessPolicy bare-gateway-access');
    });

    it('publishes to GitHub and registers the repository when asked', async () => {
      const r = await dryRun('new-ai-agent', {
        ...values,
        publishTo: 'github',
        repoUrl: 'github.com?owner=acme&repo=my-agent',
      });
      expect(r.status).toBe(200);
      const ran = r.body.steps.map((s: any) => s.id);
      expect(ran).toEqual([
        'access',
        'fetch',
        'validate',
        'publish-local',
        'publish-github',
        'register',
      ]);
      // publish:github and catalog:register have no dry run: the scaffolder skips them.
      expect(r.log).toContain(
        'Skipping because publish:github does not support dry-run',
      );
      expect(r.log).toContain(
        'Skipping because catalog:register does not support dry-run',
      );
      expect(r.log).toMatch(
        /Skipping step publish-local because its if condition was false/,
      );
    });

    it('rejects a name that is not a DNS label before running anything', async () => {
      const r = await dryRun('new-ai-agent', { ...values, name: 'My_Agent' });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body.errors)).toContain('does not match pattern');
    });
  });

  describe('AI routing policy', () => {
    const values = {
      name: 'team1-extra',
      owner: 'group:default/guests',
      gateway: 'resource:default/ai-gateway',
      providers: [
        {
          name: 'openai',
          schema: 'OpenAI',
          endpoint: 'https://api.openai.com',
          credentialType: 'APIKey',
          secretName: 'openai-secret',
        },
        {
          name: 'bedrock',
          schema: 'AWSBedrock',
          endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com',
          credentialType: 'AWSCredentials',
          region: 'us-east-1',
        },
        {
          name: 'ollama',
          schema: 'OpenAI',
          endpoint: 'http://ollama.team1.svc:11434',
          credentialType: 'None',
        },
      ],
      models: [
        {
          name: 'gpt-4o-mini',
          backends: [
            {
              provider: 'openai',
              model: 'gpt-4o-mini',
              priority: 0,
              weight: 1,
            },
            {
              provider: 'bedrock',
              model: 'anthropic.claude-3-haiku',
              priority: 1,
              weight: 1,
            },
          ],
          retryOn: ['429', '503', 'connect-failure'],
          maxRetries: 2,
          tokensPerDay: 200000,
          tokenCountMode: 'OutputToken',
          requestsPerMinute: 20,
        },
        {
          name: 'llama3',
          backends: [{ provider: 'ollama', model: 'llama3:8b' }],
        },
      ],
      preview: true,
      publishTo: 'local',
    };

    it('renders a valid policy, validates it and previews the rendered objects', async () => {
      const r = await dryRun('ai-routing-policy', values);
      expect(r.status).toBe(200);
      const [entity] = docs(r.files['catalog-info.yaml']);
      const checked = validatePolicyEntity(entity);
      expect(checked.ok).toBe(true);
      expect(entity.spec.providers[1]).toEqual({
        name: 'bedrock',
        endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com',
        schema: 'AWSBedrock',
        credentials: { type: 'AWSCredentials', region: 'us-east-1' },
      });
      expect(entity.spec.providers[2].credentials).toBeUndefined();
      expect(entity.spec.models[0]).toEqual({
        name: 'gpt-4o-mini',
        backends: [
          { provider: 'openai', model: 'gpt-4o-mini', priority: 0, weight: 1 },
          {
            provider: 'bedrock',
            model: 'anthropic.claude-3-haiku',
            priority: 1,
            weight: 1,
          },
        ],
        rateLimit: {
          tokensPerDay: 200000,
          tokenCountMode: 'OutputToken',
          requestsPerMinute: 20,
        },
        failover: { retryOn: [429, 503, 'connect-failure'], maxRetries: 2 },
      });
      expect(entity.metadata.annotations).toEqual({
        'backstage.io/kubernetes-namespace': 'team1',
      });
      expect(r.files['catalog-info.yaml']).not.toMatch(/apiKey|sk-/);

      const text = r.output.text.map((t: any) => t.content).join('\n');
      expect(text).toContain(
        'AIRoutingPolicy team1-extra (namespace team1) on Gateway ai-gateway: 3 provider(s)',
      );
      expect(text).toContain(
        '**airoutingpolicy:default/team1-extra** in cluster local (the local development server): create',
      );
      expect(text).toContain('- create AIGatewayRoute team1-extra');
      expect(
        kube.list('aigateway.kagenti.dev/v1alpha1', 'AIRoutingPolicy', 'team1'),
      ).toEqual([]);
    });

    it('fails before publishing when the policy is invalid, naming the field', async () => {
      const r = await dryRun('ai-routing-policy', {
        ...values,
        models: [{ name: 'x', backends: [{ provider: 'nope', model: 'm' }] }],
      });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(
        'Invalid policy:\nAIRoutingPolicy "team1-extra" (catalog-info.yaml) has 1 problem:\n  - spec.models[0].backends[0].provider: no provider named "nope" (have: openai, bedrock, ollama)',
      );
    });
  });

  describe('AI access policy', () => {
    it('renders a valid policy with allowed subjects and previews it', async () => {
      const r = await dryRun('ai-access-policy', {
        name: 'team1-access',
        owner: 'group:default/guests',
        gateway: 'resource:default/ai-gateway',
        trustDomain: 'localtest.me',
        bundleConfigMapName: 'spire-bundle',
        bundleConfigMapNamespace: 'spire-system',
        bundleConfigMapKey: 'bundle.spiffe',
        allowedSubjects: [
          { match: 'spiffeIdPrefix', value: 'spiffe://localtest.me/ns/team1/' },
          {
            match: 'spiffeId',
            value: 'spiffe://localtest.me/ns/team2/sa/weather-agent',
          },
        ],
        preview: true,
        publishTo: 'local',
      });
      expect(r.status).toBe(200);
      const [entity] = docs(r.files['catalog-info.yaml']);
      expect(validatePolicyEntity(entity)).toMatchObject({
        ok: true,
        value: {
          kind: 'AIAccessPolicy',
          namespace: 'team1',
          spec: {
            mtls: {
              trustDomain: 'localtest.me',
              allowedSubjects: [
                { spiffeIdPrefix: 'spiffe://localtest.me/ns/team1/' },
                { spiffeId: 'spiffe://localtest.me/ns/team2/sa/weather-agent' },
              ],
            },
          },
        },
      });
      const text = r.output.text.map((t: any) => t.content).join('\n');
      // The reconciler's dry run, answered by the AI Gateway backend.
      expect(text).toContain(
        '**aiaccesspolicy:default/team1-access** in cluster local (the local development server): create',
      );
      expect(text).toContain('- create Secret team1-access-mtls-ca');
      expect(text).toContain('- create Secret team1-access-mtls-server');
    });
  });

  it('the fixtures stay in line with the shared policy model', () => {
    expect(validatePolicyEntity(routingPolicy).ok).toBe(true);
    expect(validatePolicyEntity(accessPolicy).ok).toBe(true);
    expect(gatewayEntity().spec?.type).toBe('ai-gateway');
  });
});
