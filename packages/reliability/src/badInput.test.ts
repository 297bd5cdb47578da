/*
 * Bad input through every door: the catalog processor, the CLI (spawned, many files per run), the
 * REST API (dry-run and reconcile through the real backend plugin) and the scaffolder actions.
 * Each invalid input must be refused with an error that names the field, and leave the cluster
 * exactly as it was.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { AIGatewayEntitiesProcessor } from '@kagenti/backstage-plugin-catalog-backend-module-ai-gateway';
import {
  createPolicyApplyAction,
  createPolicyValidateAction,
} from '@kagenti/backstage-plugin-scaffolder-backend-module-ai-gateway';
import { startKubeServer, KubeServer } from '@kagenti/kube-server';
import { BadInput, badInputs } from './corpus';
import { Tally } from './metrics';
import {
  TestBackend,
  TestCatalog,
  asUser,
  clusterClock,
  startBackend,
} from './testing/backend';

// Run by `yarn test:reliability` (bin/reliability.js), which collects the figures; skipped by
// `yarn test:unit` so the campaign does not run twice in `npm test`.
const suite = process.env.RELIABILITY_METRICS ? describe : describe.skip;

/** Rejections nobody handled while the suite ran: crashes waiting to happen in a real backend. */
const unhandled: string[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(String((reason as Error)?.stack ?? reason).slice(0, 300));
};
process.on('unhandledRejection', onUnhandled);

jest.setTimeout(600_000);

const repo = path.resolve(__dirname, '../../..');
const ADMIN = 'user:default/admin';
const tally = new Tally('bad_input');
const inputs = badInputs();
const crashed = new Set<string>();
const partial = new Set<string>();

/** A message that says which field (or which line of YAML) is wrong, without a stack trace. */
function namesField(message: unknown): boolean {
  if (typeof message !== 'string' || message.length === 0) return false;
  if (/\n\s+at .+:\d+:\d+\)?/.test(message)) return false;
  return (
    /(^|[\s:("'-])(spec|metadata|apiVersion|kind)(\.|\[|:|\s|"|$)/.test(
      message,
    ) ||
    /line \d+[:,]/.test(message) ||
    /document \d+/.test(message) ||
    /not a YAML mapping|not valid YAML|is not a Kubernetes object/.test(message)
  );
}

function crash(door: string, input: BadInput, detail: string) {
  crashed.add(`${door}:${input.id}`);
  tally.check(false, `${door} ${input.id} (${input.what})`, detail);
}

function expectUnchanged(
  kube: KubeServer,
  before: string,
  door: string,
  input?: BadInput,
) {
  const after = clusterClock(kube);
  if (after !== before) {
    partial.add(`${door}:${input?.id ?? 'all'}`);
  }
  tally.check(
    after === before,
    `${door} ${input?.id ?? ''} left the cluster unchanged`,
    `${before} -> ${after}`,
  );
}

suite('bad input through every door', () => {
  let kube: KubeServer;
  let backend: TestBackend;
  let tmp: string;

  beforeAll(async () => {
    kube = await startKubeServer({ demo: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-bad-'));
    const catalog = new TestCatalog([]);
    backend = await startBackend({
      kube,
      catalog,
      canApply: user => user === ADMIN,
    });
  });

  afterAll(async () => {
    tally.add('bad_inputs', inputs.length);
    tally.add('crashes', crashed.size);
    tally.add('partial_applies', partial.size);
    process.off('unhandledRejection', onUnhandled);
    tally.add('crashes', unhandled.length);
    tally.check(
      unhandled.length === 0,
      'no unhandled promise rejection',
      unhandled.join(' | '),
    );
    tally.write();
    await backend?.stop();
    await kube?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has at least 300 distinct invalid inputs', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(300);
  });

  it('catalog processing refuses each with an InputError naming the field', async () => {
    const processor = new AIGatewayEntitiesProcessor();
    const before = clusterClock(kube);
    for (const input of inputs) {
      if (!input.entity || typeof input.entity !== 'object') continue;
      const emitted: unknown[] = [];
      try {
        await processor.postProcessEntity(
          input.entity as Entity,
          { type: 'url', target: 'https://example.com/catalog-info.yaml' },
          r => emitted.push(r),
        );
        // A kind no processor claims is refused by the catalog itself ("Unsupported kind").
        if (await processor.validateEntityKind(input.entity as Entity)) {
          crash('processor', input, 'accepted');
        } else
          tally.check(true, `processor ${input.id} (kind left to the catalog)`);
      } catch (e) {
        const err = e as Error;
        if (!(err instanceof InputError) && err?.name !== 'InputError') {
          crash(
            'processor',
            input,
            `threw ${err?.name}: ${String(err?.message).slice(0, 200)}`,
          );
        } else if (!namesField(err.message)) {
          crash('processor', input, `unclear: ${err.message.slice(0, 200)}`);
        } else if (err.message.length > 16_384) {
          // The catalog stores the message and shows it whole on the entity page.
          crash(
            'processor',
            input,
            `a ${err.message.length}-character message`,
          );
        } else {
          tally.check(
            emitted.length === 0,
            `processor ${input.id} emitted nothing`,
          );
        }
      }
    }
    expectUnchanged(kube, before, 'processor');
  });

  it('the CLI exits 1 and names the field of every file (validate and render)', async () => {
    const files = inputs.map(input => {
      const file = path.join(tmp, `${input.id}.yaml`);
      fs.writeFileSync(file, input.text);
      return { input, file };
    });
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string; stdout: string }>(
        resolve => {
          const child = spawn(
            process.execPath,
            [
              path.join(repo, 'plugins/ai-gateway-node/bin/ai-gateway.js'),
              ...args,
            ],
            {
              cwd: repo,
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          let stderr = '';
          let stdout = '';
          child.stderr.on('data', d => (stderr += d));
          child.stdout.on(
            'data',
            d => (stdout += d.length > 0 ? d.toString().slice(0, 1000) : ''),
          );
          const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
          child.on('close', code => {
            clearTimeout(timer);
            resolve({ code, stderr, stdout });
          });
        },
      );
    const judge = (
      command: string,
      batch: typeof files,
      result: Awaited<ReturnType<typeof run>>,
    ) => {
      const lines = result.stderr.split('\n');
      for (const { input, file } of batch) {
        const mine = lines.filter(
          l => l.startsWith(`${file}:`) || l.startsWith(`${file}#`),
        );
        if (
          mine.length === 0 ||
          !mine.some(l => namesField(l.slice(file.length)))
        ) {
          crash(
            `cli ${command}`,
            input,
            `no clear line for the file: ${result.stderr.slice(0, 300)}`,
          );
        } else tally.check(true, `cli ${command} ${input.id}`);
      }
    };
    const before = clusterClock(kube);
    // A batch that does not exit 1 is split until the files that crash the CLI are found.
    const runBatch = async (
      command: string,
      batch: typeof files,
    ): Promise<void> => {
      const result = await run([command, ...batch.map(f => f.file)]);
      if (result.code === 1) {
        judge(command, batch, result);
      } else if (batch.length === 1) {
        crash(
          `cli ${command}`,
          batch[0].input,
          `exit ${result.code}: ${result.stderr.slice(0, 300)}`,
        );
      } else {
        const half = Math.ceil(batch.length / 2);
        await runBatch(command, batch.slice(0, half));
        await runBatch(command, batch.slice(half));
      }
    };
    for (const command of ['validate', 'render']) {
      const batchSize = 110;
      for (let i = 0; i < files.length; i += batchSize) {
        await runBatch(command, files.slice(i, i + batchSize));
      }
    }
    expectUnchanged(kube, before, 'cli');
  });

  it('the REST API refuses each (dry-run and reconcile) without a 5xx, and a pass over all of them writes nothing', async () => {
    // The catalog only ever holds objects with a string kind and metadata.name.
    const catalogShaped = (e: any) =>
      e &&
      typeof e === 'object' &&
      !Array.isArray(e) &&
      typeof e.kind === 'string' &&
      typeof e.metadata?.name === 'string';
    for (const input of inputs) {
      if (!catalogShaped(input.entity)) continue;
      const kind = String((input.entity as any).kind ?? '').toLowerCase();
      const restKind =
        kind === 'aiaccesspolicy' ? 'aiaccesspolicy' : 'airoutingpolicy';
      backend.catalog.aliases.set(
        `${
          restKind === 'aiaccesspolicy' ? 'AIAccessPolicy' : 'AIRoutingPolicy'
        }:default/${input.id}`.toLowerCase(),
        input.entity as Entity,
      );
      const before = clusterClock(kube);
      const dry = await request(backend.http)
        .post(
          `/api/ai-gateway/policies/default/${restKind}/${input.id}/dry-run`,
        )
        .set('Authorization', asUser(ADMIN));
      if (dry.status >= 500)
        crash(
          'rest dry-run',
          input,
          `${dry.status} ${JSON.stringify(dry.body).slice(0, 200)}`,
        );
      else if (dry.status === 200) {
        const problems = dry.body.problems ?? [];
        const clear =
          dry.body.valid === false &&
          problems.length > 0 &&
          problems.some((p: any) => namesField(`${p.path}: ${p.message}`));
        if (!clear)
          crash(
            'rest dry-run',
            input,
            `unclear: ${JSON.stringify(dry.body).slice(0, 200)}`,
          );
        else tally.check(true, `rest dry-run ${input.id}`);
      } else if (!namesField(dry.body?.error?.message)) {
        crash(
          'rest dry-run',
          input,
          `unclear ${dry.status}: ${JSON.stringify(dry.body).slice(0, 200)}`,
        );
      } else tally.check(true, `rest dry-run ${input.id}`);

      const rec = await request(backend.http)
        .post(
          `/api/ai-gateway/policies/default/${restKind}/${input.id}/reconcile`,
        )
        .set('Authorization', asUser(ADMIN));
      if (rec.status >= 500 || rec.status === 200) {
        crash(
          'rest reconcile',
          input,
          `${rec.status} ${JSON.stringify(rec.body).slice(0, 200)}`,
        );
      } else if (!namesField(rec.body?.error?.message)) {
        crash(
          'rest reconcile',
          input,
          `unclear ${rec.status}: ${JSON.stringify(rec.body).slice(0, 200)}`,
        );
      } else if (rec.body.error.message.length > 16_384) {
        crash(
          'rest reconcile',
          input,
          `a ${rec.body.error.message.length}-character message`,
        );
      } else tally.check(true, `rest reconcile ${input.id}`);

      const status = await request(backend.http)
        .get(`/api/ai-gateway/policies/default/${restKind}/${input.id}`)
        .set('Authorization', asUser(ADMIN));
      if (status.status >= 500) crash('rest status', input, `${status.status}`);
      else tally.check(true, `rest status ${input.id}`);
      expectUnchanged(kube, before, 'rest', input);
    }

    // Malformed requests: a client error, never a 5xx.
    for (const [method, url, body] of [
      ['post', '/api/ai-gateway/policies/default/aipolicy/x/dry-run'],
      [
        'post',
        '/api/ai-gateway/policies/default/airoutingpolicy/%00/reconcile',
      ],
      [
        'get',
        `/api/ai-gateway/policies/default/airoutingpolicy/${'a'.repeat(10000)}`,
      ],
      ['get', '/api/ai-gateway/policies/default/airoutingpolicy/%E0%A4%A'],
      ['get', '/api/ai-gateway/agents/default/%2e%2e%2f%2e%2e/access'],
      ['get', '/api/ai-gateway/agents/x:y:z/w/access'],
      [
        'post',
        '/api/ai-gateway/policies/default/airoutingpolicy/team1-models/dry-run',
        '{"unterminated',
      ],
      ['post', '/api/ai-gateway/reconcile', '[1,2,'],
    ] as Array<[string, string, string?]>) {
      let call = (request(backend.http) as any)
        [method](url)
        .set('Authorization', asUser(ADMIN));
      if (body) call = call.set('Content-Type', 'application/json').send(body);
      const res = await call;
      if (res.status >= 500) crashed.add(`rest ${method} ${url.slice(0, 80)}`);
      tally.check(
        res.status < 500,
        `malformed ${method} ${url.slice(0, 80)} is a client error`,
        `${res.status} ${res.text.slice(0, 200)}`,
      );
    }

    // The whole corpus in the catalog at once (as if the processor had let it through).
    backend.catalog.entities = inputs
      .filter(i => catalogShaped(i.entity))
      .map((i, n) => {
        const e = i.entity as any;
        return {
          ...e,
          metadata: {
            ...(typeof e.metadata === 'object' && e.metadata ? e.metadata : {}),
            namespace: 'default',
            uid: `bad-${n}`,
            etag: 'e',
          },
        } as Entity;
      });
    const before = clusterClock(kube);
    let passError: unknown;
    try {
      await backend.pass();
    } catch (e) {
      passError = e;
    }
    tally.check(
      !passError,
      'a pass over the whole corpus completes',
      String(passError),
    );
    if (passError) crashed.add('rest pass');
    const health = await request(backend.http).get('/api/ai-gateway/health');
    tally.check(
      health.status === 200,
      'health answers after the corpus pass',
      String(health.status),
    );
    expectUnchanged(kube, before, 'reconcile pass');
  });

  it('the scaffolder actions refuse each with an InputError naming the field', async () => {
    const validate = createPolicyValidateAction();
    const apply = createPolicyApplyAction({
      config: new ConfigReader({
        aiGateway: {
          defaultCluster: 'local',
          clusters: [
            { name: 'local', url: kube.url, serviceAccountToken: kube.token },
          ],
        },
      }),
      catalog: backend.catalog.service(),
      permissions: mockServices.permissions(),
      auth: mockServices.auth(),
      discovery: mockServices.discovery(),
    });
    const ws = fs.mkdtempSync(path.join(tmp, 'ws-'));
    const before = clusterClock(kube);
    for (const input of inputs) {
      const variants: Array<[string, Record<string, unknown>]> = [
        ['text', { entity: input.text }],
      ];
      if (
        input.entity &&
        typeof input.entity === 'object' &&
        !Array.isArray(input.entity)
      ) {
        variants.push(['object', { entity: input.entity }]);
      }
      for (const [variant, fields] of variants) {
        for (const [name, action, extra] of [
          ['validate', validate, {}],
          ['apply', apply, { dryRun: true }],
        ] as const) {
          const ctx = {
            ...createMockActionContext({
              input: { ...fields, ...extra },
              workspacePath: ws,
            }),
            getInitiatorCredentials: async () => mockCredentials.user(ADMIN),
            isDryRun: false,
          };
          try {
            await (action as any).handler(ctx);
            crash(`scaffolder ${name} ${variant}`, input, 'accepted');
          } catch (e) {
            const err = e as Error;
            if (err?.name !== 'InputError') {
              crash(
                `scaffolder ${name} ${variant}`,
                input,
                `threw ${err?.name}: ${String(err?.message).slice(0, 200)}`,
              );
            } else if (!namesField(err.message)) {
              crash(
                `scaffolder ${name} ${variant}`,
                input,
                `unclear: ${err.message.slice(0, 200)}`,
              );
            } else if (err.message.length > 16_384) {
              // The task log shows it whole.
              crash(
                `scaffolder ${name} ${variant}`,
                input,
                `a ${err.message.length}-character message`,
              );
            } else {
              const outputs = (ctx.output as jest.Mock).mock.calls.map(
                c => c[0],
              );
              tally.check(
                !outputs.includes('objects') && !outputs.includes('result'),
                `scaffolder ${name} ${variant} ${input.id} output nothing applied`,
                outputs.join(','),
              );
            }
          }
        }
      }
    }
    expectUnchanged(kube, before, 'scaffolder');
  });

  it('meets the targets', () => {
    expect(crashed.size).toBe(0);
    expect(partial.size).toBe(0);
  });
});
