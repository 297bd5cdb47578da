/*
 * Secrets and permissions, through the real backend plugin and the scaffolder actions.
 *
 * Secrets: recognizable values are planted in the credential Secrets the policies reference, in
 * the cluster token of the configuration, in a Secret the reconciler manages (edited by hand) and
 * in scaffolder secrets; none may appear in a log line, a REST response, a scaffolder output or
 * log, or an error message.
 *
 * Permissions: every write path refuses a user without the apply permission (and changes nothing
 * in the cluster); reads never show a policy the user cannot read in the catalog.
 */
import request from 'supertest';
import { parseAllDocuments } from 'yaml';
import fs from 'node:fs';
import path from 'node:path';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  createAgentAccessAction,
  createPolicyApplyAction,
  createPolicyValidateAction,
} from '@kagenti/backstage-plugin-scaffolder-backend-module-ai-gateway';
import { KubeServer, startKubeServer } from '@kagenti/kube-server';
import { Tally } from './metrics';
import {
  CaptureLogger,
  TestBackend,
  TestCatalog,
  asUser,
  clusterClock,
  startBackend,
} from './testing/backend';

// Run by `yarn test:reliability` (bin/reliability.js), which collects the figures; skipped by
// `yarn test:unit` so the campaign does not run twice in `npm test`.
const suite = process.env.RELIABILITY_METRICS ? describe : describe.skip;

jest.setTimeout(300_000);

const repo = path.resolve(__dirname, '../../..');
const secrets = new Tally('secrets');
const perms = new Tally('permissions');

const PLANTED = {
  openai: 'sk-PLANTED-openai-5d1f0c2b9e8a7d6c',
  azure: 'PLANTED-azure-client-secret-88e1c0',
  aws: '[default]\naws_access_key_id = AKIAPLANTED000000\naws_secret_access_key = PLANTED/aws/secret/3c2b1a',
  clusterToken: 'PLANTED-cluster-token-0a9b8c7d6e5f',
  scaffolderSecret: 'PLANTED-scaffolder-secret-4e4e4e',
  handEdited: 'PLANTED-hand-edited-secret-value-77',
};
const ADMIN = 'user:default/admin';
/** May apply team1-models only. */
const LEAD = 'user:default/lead';
/** Reads everything, applies nothing. */
const DEV = 'user:default/dev';
/** Reads the agents and the access policy, not the routing policy. */
const PARTIAL = 'user:default/partial';
/** Reads nothing. */
const STRANGER = 'user:default/stranger';

function demoEntities(): Entity[] {
  const text = fs.readFileSync(
    path.join(repo, 'examples/ai-gateway.yaml'),
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

function visible(user: string | undefined, e: Entity): boolean {
  if (user === STRANGER || user === 'anonymous') return false;
  if (user === PARTIAL) return e.kind !== 'AIRoutingPolicy';
  return true;
}

function canApply(user: string | undefined, ref?: string): boolean {
  if (user === ADMIN) return true;
  if (user === LEAD) return ref === 'airoutingpolicy:default/team1-models';
  return false;
}

/** Every planted value (and the base64 form the API server stores) that must never leave. */
function forbidden(kube: KubeServer, extra: string[] = []): string[] {
  const values = [
    ...Object.values(PLANTED),
    kube.token,
    kube.adminToken,
    ...extra,
  ];
  const out = new Set<string>();
  for (const v of values) {
    out.add(v);
    out.add(Buffer.from(v).toString('base64'));
    // A distinctive line of a multi-line value (the AWS credentials file).
    for (const line of v.split('\n')) if (line.length > 16) out.add(line);
  }
  return [...out];
}

function leaks(where: string, text: string, values: string[]): number {
  const found = values.filter(v => text.includes(v));
  secrets.check(
    found.length === 0,
    `no secret in ${where}`,
    found.map(f => f.slice(0, 12)).join(', '),
  );
  return found.length;
}

suite('secrets and permissions', () => {
  let kube: KubeServer;
  let backend: TestBackend;
  let leakCount = 0;
  const scaffolderLogs: string[] = [];

  beforeAll(async () => {
    kube = await startKubeServer({ simulate: true, demo: true });
    const put = (name: string, key: string, value: string) =>
      kube.put({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: 'team1' },
        type: 'Opaque',
        data: { [key]: Buffer.from(value).toString('base64') },
      });
    put('openai-secret', 'apiKey', PLANTED.openai);
    put('azure-secret', 'client-secret', PLANTED.azure);
    put('aws-secret', 'credentials', PLANTED.aws);
    kube.addToken(PLANTED.clusterToken, { username: 'planted' } as any);
    const catalog = new TestCatalog(demoEntities(), visible);
    backend = await startBackend({
      kube,
      catalog,
      canApply,
      aiGateway: {
        clusters: [
          {
            name: 'local',
            url: kube.url,
            serviceAccountToken: kube.token,
            local: true,
          },
          // An unreachable cluster with a planted token: its errors must not carry the token.
          {
            name: 'far',
            url: 'http://127.0.0.1:1',
            serviceAccountToken: PLANTED.clusterToken,
          },
        ],
      },
    });
    const far = demoEntities().find(e => e.metadata.name === 'team1-models')!;
    catalog.entities.push({
      ...far,
      metadata: {
        ...far.metadata,
        name: 'far-models',
        uid: 'uid-far',
        annotations: {
          ...far.metadata.annotations,
          'aigateway.kagenti.dev/cluster': 'far',
        },
      },
    });
    for (let i = 0; i < 3; i++) {
      await backend.pass();
      await new Promise(r => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    secrets.add('secret_leaks', leakCount);
    perms.add('permission_checks', perms.passed + perms.failed);
    perms.add('permission_failures', perms.failed);
    secrets.write();
    perms.write();
    await backend?.stop();
    await kube?.stop();
  });

  it('planted secret values appear in no REST response, log line, error or scaffolder output', async () => {
    // The managed server certificate's private key is a secret too, and so is a managed Secret's
    // value edited by hand (the drift report must name the field, never the value).
    const server = kube.get(
      'v1',
      'Secret',
      'team1',
      'ai-gateway-access-mtls-server',
    );
    const serverKey = server
      ? Buffer.from(server.data['tls.key'], 'base64').toString()
      : '';
    const keyLine = serverKey.split('\n').find(l => l.length > 40) ?? '';
    secrets.check(
      !!keyLine,
      'the managed server key exists (so the check below is not vacuous)',
    );
    const ca = kube.get('v1', 'Secret', 'team1', 'ai-gateway-access-mtls-ca')!;
    kube.put({
      ...ca,
      data: {
        ...ca.data,
        'ca.crt': Buffer.from(PLANTED.handEdited).toString('base64'),
      },
    });
    const values = forbidden(kube, keyLine ? [keyLine] : []);

    const responses: string[] = [];
    const call = async (method: 'get' | 'post', url: string, user = ADMIN) => {
      const res = await (request(backend.http) as any)
        [method](url)
        .set('Authorization', asUser(user));
      responses.push(`${method} ${url} ${res.status} ${res.text}`);
      return res;
    };
    await call('get', '/api/ai-gateway/health');
    await call('get', '/api/ai-gateway/gateways');
    for (const agent of ['weather-agent', 'research-agent']) {
      await call('get', `/api/ai-gateway/agents/default/${agent}/access`);
    }
    for (const p of [
      'airoutingpolicy/team1-models',
      'aiaccesspolicy/ai-gateway-access',
      'airoutingpolicy/far-models',
    ]) {
      await call('get', `/api/ai-gateway/policies/default/${p}`);
      const dry = await call(
        'post',
        `/api/ai-gateway/policies/default/${p}/dry-run`,
      );
      if (p.startsWith('aiaccess')) {
        secrets.check(
          JSON.stringify(dry.body).includes('ca.crt'),
          'the dry-run reports the hand-edited CA Secret (so the check is not vacuous)',
          JSON.stringify(dry.body.diff ?? dry.body).slice(0, 300),
        );
      }
      await call('post', `/api/ai-gateway/policies/default/${p}/reconcile`);
    }
    // A credential Secret with the wrong key: the condition message names the key, not the value.
    kube.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'openai-secret', namespace: 'team1' },
      type: 'Opaque',
      data: { wrongKey: Buffer.from(PLANTED.openai).toString('base64') },
    });
    await backend.pass();
    await call(
      'get',
      '/api/ai-gateway/policies/default/airoutingpolicy/team1-models',
    );
    // Faults whose answers the API server might fill with request data.
    kube.faults.add({ kind: 'error', status: 500, count: 30 });
    await backend.pass().catch(() => undefined);
    await call(
      'post',
      '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/reconcile',
    );
    kube.faults.clear();
    await call('get', '/api/ai-gateway/health');

    // The bodies the frontend would get, for the frontend suite to render (see frontend.test.tsx).
    if (process.env.RELIABILITY_RESPONSES) {
      const body = async (url: string, user = ADMIN) =>
        (
          await request(backend.http)
            .get(url)
            .set('Authorization', asUser(user))
        ).body;
      const dryRun = async (url: string) =>
        (
          await request(backend.http)
            .post(url)
            .set('Authorization', asUser(ADMIN))
        ).body;
      fs.writeFileSync(
        process.env.RELIABILITY_RESPONSES,
        JSON.stringify({
          forbidden: values,
          agentAccess: await body(
            '/api/ai-gateway/agents/default/weather-agent/access',
          ),
          routingStatus: await body(
            '/api/ai-gateway/policies/default/airoutingpolicy/team1-models',
          ),
          accessStatus: await body(
            '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access',
          ),
          farStatus: await body(
            '/api/ai-gateway/policies/default/airoutingpolicy/far-models',
          ),
          gateways: await body('/api/ai-gateway/gateways'),
          routingDryRun: await dryRun(
            '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/dry-run',
          ),
          accessDryRun: await dryRun(
            '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access/dry-run',
          ),
          entities: demoEntities(),
        }),
      );
    }
    leakCount += leaks('REST responses', responses.join('\n'), values);
    leakCount += leaks('backend logs', backend.logs.join('\n'), values);

    // Scaffolder: a dry run, a real apply, validate and agent access, with planted task secrets.
    const config = new ConfigReader({
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
      },
    });
    const policyYaml = fs.readFileSync(
      path.join(repo, 'examples/ai-gateway.yaml'),
      'utf8',
    );
    const entities = demoEntities();
    const outputs: string[] = [];
    const errors: string[] = [];
    const runAction = async (action: any, input: Record<string, unknown>) => {
      const logger = new CaptureLogger(scaffolderLogs);
      const ctx = {
        ...createMockActionContext({
          input: input as any,
          logger,
          secrets: {
            token: PLANTED.scaffolderSecret,
            backstageToken: PLANTED.scaffolderSecret,
          },
          workspacePath: fs.mkdtempSync(
            path.join(require('node:os').tmpdir(), 'rel-ws-'),
          ),
        }),
        getInitiatorCredentials: async () => mockCredentials.user(ADMIN),
        isDryRun: false,
      };
      try {
        await action.handler(ctx);
      } catch (e) {
        errors.push(String((e as Error)?.stack ?? e));
      }
      outputs.push(JSON.stringify((ctx.output as jest.Mock).mock.calls));
    };
    const apply = createPolicyApplyAction({
      config,
      catalog: backend.catalog.service(),
      ...backend.services,
    });
    for (const e of entities.filter(x => x.kind.startsWith('AI'))) {
      const {
        namespace: _n,
        uid: _u,
        etag: _e,
        ...metadata
      } = e.metadata as any;
      await runAction(apply, { entity: { ...e, metadata }, dryRun: true });
      await runAction(apply, { entityRef: stringifyEntityRef(e) });
    }
    await runAction(createPolicyValidateAction(), { entity: policyYaml });
    await runAction(
      createAgentAccessAction({ config, catalog: backend.catalog.service() }),
      {
        entityRef: 'component:default/weather-agent',
      },
    );
    secrets.check(
      outputs.some(o => o.includes('"objects"')),
      'the scaffolder dry run output objects (not vacuous)',
    );
    leakCount += leaks('scaffolder outputs', outputs.join('\n'), values);
    leakCount += leaks('scaffolder logs', scaffolderLogs.join('\n'), values);
    leakCount += leaks('scaffolder errors', errors.join('\n'), values);
    expect(leakCount).toBe(0);
  });

  it('refuses every write to a user without the apply permission, and changes nothing', async () => {
    await backend.pass();
    const writes: Array<[string, string]> = [
      ['post', '/api/ai-gateway/reconcile'],
      [
        'post',
        '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/reconcile',
      ],
      [
        'post',
        '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/dry-run',
      ],
      [
        'post',
        '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access/reconcile',
      ],
      [
        'post',
        '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access/dry-run',
      ],
    ];
    for (const user of [DEV, PARTIAL, STRANGER, LEAD]) {
      for (const [method, url] of writes) {
        const allowed = user === LEAD && url.includes('/team1-models/');
        // Edit the live resource first, so a write that slips through is visible.
        const before = clusterClock(kube);
        const res = await (request(backend.http) as any)
          [method](url)
          .set('Authorization', asUser(user));
        const refused = [401, 403, 404].includes(res.status);
        perms.check(
          allowed ? res.status === 200 : refused,
          `${user} ${method} ${url} is ${allowed ? 'allowed' : 'refused'}`,
          `${res.status} ${res.text.slice(0, 200)}`,
        );
        if (!allowed && !url.endsWith('/dry-run')) {
          perms.check(
            clusterClock(kube) === before,
            `${user} ${url} changed nothing`,
          );
        }
      }
    }
    // Unauthenticated callers.
    for (const [method, url] of writes) {
      const res = await (request(backend.http) as any)
        [method](url)
        .set('Authorization', mockCredentials.none.header());
      perms.check(
        res.status === 401,
        `unauthenticated ${url} is refused`,
        String(res.status),
      );
    }

    // Scaffolder apply, dry run and real run, as users without the permission.
    const config = new ConfigReader({
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
      },
    });
    const apply = createPolicyApplyAction({
      config,
      catalog: backend.catalog.service(),
      ...backend.services,
    });
    const entities = demoEntities().filter(e => e.kind.startsWith('AI'));
    for (const user of [DEV, PARTIAL, LEAD, ADMIN]) {
      for (const e of entities) {
        for (const dryRun of [true, false]) {
          const ref = stringifyEntityRef(e);
          const allowed = canApply(user, ref) && visible(user, e);
          const {
            namespace: _n,
            uid: _u,
            etag: _et,
            ...metadata
          } = e.metadata as any;
          const ctx = {
            ...createMockActionContext({
              input: dryRun
                ? { entity: { ...e, metadata }, dryRun }
                : { entityRef: ref },
            }),
            getInitiatorCredentials: async () => mockCredentials.user(user),
            isDryRun: false,
          };
          const before = clusterClock(kube);
          let error: Error | undefined;
          try {
            await apply.handler(ctx as any);
          } catch (err) {
            error = err as Error;
          }
          perms.check(
            allowed
              ? !error
              : ['NotAllowedError', 'NotFoundError'].includes(
                  String(error?.name),
                ),
            `scaffolder apply ${
              dryRun ? 'dry run' : 'real'
            } of ${ref} by ${user} is ${allowed ? 'allowed' : 'refused'}`,
            `${error?.name}: ${error?.message?.slice(0, 200)}`,
          );
          if (!allowed && !dryRun) {
            perms.check(
              clusterClock(kube) === before,
              `scaffolder apply by ${user} changed nothing`,
            );
          }
        }
      }
    }
    // Every apply decision the backend asked for named the policy (no blanket check on a user).
    perms.check(
      backend.authorizations.filter(
        a => a.user && a.permission === 'ai-gateway.policy.apply',
      ).length > 0,
      'the backend asked the permission framework',
    );
    expect(perms.failed).toBe(0);
  });

  it('never shows a policy the user cannot read (agent access, policy status, gateways)', async () => {
    await backend.pass();
    const get = (url: string, user: string) =>
      request(backend.http).get(url).set('Authorization', asUser(user));
    // The routing policy, its models and providers, as they would show.
    const routingMarks = [
      'team1-models',
      'gpt-4o',
      'claude-3-5-sonnet',
      'api.openai.com',
      'openai-secret',
    ];
    const accessMarks = ['ai-gateway-access', 'spire-bundle'];
    const urls = [
      '/api/ai-gateway/gateways',
      '/api/ai-gateway/agents/default/weather-agent/access',
      '/api/ai-gateway/agents/default/research-agent/access',
      '/api/ai-gateway/policies/default/airoutingpolicy/team1-models',
      '/api/ai-gateway/policies/default/aiaccesspolicy/ai-gateway-access',
    ];
    // Make sure the checks are not vacuous: a reader who may see everything sees the marks.
    const full = await get(urls[1], DEV);
    perms.check(
      routingMarks.some(m => full.text.includes(m)),
      'a user who may read everything sees the routing policy in agent access',
      full.text.slice(0, 200),
    );
    for (const [user, marks] of [
      [PARTIAL, routingMarks],
      [STRANGER, [...routingMarks, ...accessMarks]],
    ] as const) {
      for (const url of urls) {
        const res = await get(url, user);
        // A 404 names what was asked for, exactly as for a policy that does not exist.
        const shown =
          res.status === 404 ? [] : marks.filter(m => res.text.includes(m));
        perms.check(
          res.status < 500 && shown.length === 0,
          `${user} GET ${url} shows no policy it cannot read`,
          `${res.status} shows ${shown.join(', ')}`,
        );
      }
    }
    // The scaffolder's agent access lookup, as the same users.
    const config = new ConfigReader({
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
      },
    });
    const lookup = createAgentAccessAction({
      config,
      catalog: backend.catalog.service(),
    });
    for (const [user, marks] of [
      [DEV, []],
      [PARTIAL, routingMarks],
      [STRANGER, [...routingMarks, ...accessMarks]],
    ] as const) {
      const ctx = {
        ...createMockActionContext({
          input: { entityRef: 'component:default/weather-agent' },
        }),
        getInitiatorCredentials: async () => mockCredentials.user(user),
        isDryRun: false,
      };
      let error: Error | undefined;
      try {
        await lookup.handler(ctx as any);
      } catch (e) {
        error = e as Error;
      }
      const text = `${JSON.stringify((ctx.output as jest.Mock).mock.calls)} ${
        error?.message ?? ''
      }`;
      const shown = marks.filter(m => text.includes(m));
      perms.check(
        shown.length === 0 &&
          (user !== DEV || routingMarks.some(m => text.includes(m))),
        `scaffolder agent access as ${user} shows ${
          user === DEV ? 'the policies' : 'no policy it cannot read'
        }`,
        `shows ${shown.join(', ')}; ${error?.name ?? ''} ${text.slice(0, 200)}`,
      );
    }
    expect(perms.failed).toBe(0);
  });
});
