#!/usr/bin/env node
/*
 * Fleet-scale benchmark of the AI Gateway reconciler and REST API (`yarn bench:reconcile`).
 *
 * Runs a real Backstage backend (catalog + the policy-kind catalog module + this plugin, SQLite in
 * memory, static-token external access) in this process against kube-server in a child process,
 * so peak RSS is the backend's own. Default fleet: 1,000 routing policies of 4 providers and 20
 * models, 1,000 access policies, 10,000 agents. BENCH_SCALE=0.1 runs a tenth of it;
 * BENCH_SAMPLES sets the number of latency samples (default 1000); BENCH_TIMEOUT_S bounds the
 * run (default 570 s); BENCH_CONCURRENCY sets aiGateway.concurrency (default: the plugin's, 16);
 * BENCH_CLIENT_SSA=1 also applies the same objects with the plugin's cluster client alone
 * (client_ssa_seconds), to tell the client's cost from the server's. The catalog runs on a
 * throwaway PostgreSQL when Debian's server is installed (BENCH_DATABASE=sqlite forces SQLite).
 * BENCH_AGENT_MAX_AGE_MS sets aiGateway.agentDirectoryMaxAge (default: the plugin's);
 * BENCH_SAMPLES_FILE writes the latency samples, in the order taken, as JSON. BENCH_TIMELINE=1
 * writes to stderr, every 250 ms from the request for the cold pass (its first lines can be the
 * scheduler's wait before the pass begins), the CPU used by the backend (and how busy its event
 * loop was), kube-server and the whole machine (to tell which one bounds it). The latency
 * samples are taken by a client in a process of its own (`bench-latency-client.js`), as users'
 * clients are. Prints `key: value` lines.
 */
/* eslint-disable no-console */
require('@backstage/cli/config/nodeTransform.cjs');

// Backend log lines would mix with the `key: value` output.
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'error';

const { spawn, fork, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const REPO = path.resolve(__dirname, '../../..');
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const ROUTING = Math.max(1, Math.round(1000 * SCALE));
const ACCESS = ROUTING;
const AGENTS_PER_TEAM = 10;
const MODELS = 20;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? '1000');
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? '570');
const TOKEN = 'bench-static-token-0123456789';
const TRUST_DOMAIN = 'bench.example';

const started = Date.now();
const out = {};
const print = (k, v) => {
  out[k] = v;
  console.log(`${k}: ${v}`);
};
const log = msg =>
  process.stderr.write(
    `[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`,
  );

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => cleanup().finally(() => process.exit(130)));
}

const deadline = setTimeout(() => {
  log(`time bound of ${TIMEOUT_S}s reached; stopping with what was measured`);
  cleanup().finally(() => process.exit(2));
}, TIMEOUT_S * 1000);
deadline.unref();

let kubeChild;
let backend;
let tmp;
let pg;
async function cleanup() {
  try {
    await backend?.stop();
  } catch {
    // best effort
  }
  if (kubeChild && kubeChild.exitCode === null) kubeChild.kill('SIGTERM');
  try {
    pg?.stop();
  } catch {
    // best effort
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startKube(kubeconfig) {
  return new Promise((resolve, reject) => {
    kubeChild = spawn(
      process.execPath,
      [
        path.join(REPO, 'packages/kube-server/bin/kube-server.js'),
        '--port',
        '0',
        '--kubeconfig',
        kubeconfig,
        '--token',
        TOKEN,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buf = '';
    kubeChild.stdout.on('data', d => {
      buf += d;
      const m = /listening on (\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    kubeChild.on('exit', code =>
      reject(new Error(`kube-server exited with ${code}`)),
    );
  });
}

/**
 * CPU seconds used so far (user + system, every thread) by this process, which runs the backend,
 * by kube-server, and by the whole machine (every process, and the kernel's own work: more than
 * the two together means something else took CPU during the measured phase). On this shared VM
 * the first two vary far less than wall time.
 */
function cpuSeconds() {
  const own = process.cpuUsage();
  let kube = NaN;
  let machine = NaN;
  try {
    // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 per second).
    const stat = fs.readFileSync(`/proc/${kubeChild.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    kube = (Number(fields[11]) + Number(fields[12])) / 100;
    // /proc/stat's first line: the ticks of all CPUs by state; all but idle and iowait are busy.
    // The first eight states only: guest time, after them, is counted in user time already.
    const ticks = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    machine = (ticks.reduce((a, b) => a + b, 0) - ticks[3] - ticks[4]) / 100;
  } catch {
    // not Linux: only the backend's figure
  }
  return { backend: (own.user + own.system) / 1e6, kube, machine };
}

/** With BENCH_TIMELINE set, writes each process's share of a core every 250 ms until stopped. */
function cpuTimeline() {
  if (!process.env.BENCH_TIMELINE) return () => {};
  const { performance } = require('node:perf_hooks');
  const t0 = Date.now();
  let last = { ...cpuSeconds(), at: t0 };
  let loop = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    // Over the time that really passed: a busy event loop runs the timer late.
    const now = { ...cpuSeconds(), at: Date.now() };
    const pct = k =>
      `${Math.round(
        ((now[k] - last[k]) / ((now.at - last.at) / 1000)) * 100,
      )}%`;
    // The backend's main thread alone (its process figure adds GC and I/O threads).
    const busy = performance.eventLoopUtilization(loop).utilization;
    loop = performance.eventLoopUtilization();
    process.stderr.write(
      `timeline ${((now.at - t0) / 1000).toFixed(2)}s backend ${pct(
        'backend',
      )} (event loop ${Math.round(busy * 100)}%) kube-server ${pct(
        'kube',
      )} machine ${pct('machine')}\n`,
    );
    last = now;
  }, 250);
  return () => clearInterval(timer);
}

const b64 = s => Buffer.from(s).toString('base64');
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function teams() {
  return Array.from(
    { length: ROUTING },
    (_, i) => `team-${String(i).padStart(4, '0')}`,
  );
}

function entities() {
  const list = [];
  const annotations = ns => ({
    'backstage.io/kubernetes-namespace': ns,
    'backstage.io/managed-by-location': 'bench:fleet',
    'backstage.io/managed-by-origin-location': 'bench:fleet',
  });
  for (const ns of teams()) {
    const models = Array.from({ length: MODELS }, (_, m) => ({
      name: `model-${m}`,
      backends: [
        {
          provider: ['openai', 'bedrock', 'ollama'][m % 3],
          model: `upstream-${m}`,
          priority: 0,
        },
        { provider: 'azure', model: `azure-${m}`, priority: 1 },
      ],
      rateLimit: m % 2 ? { tokensPerHour: 100000 } : { requestsPerMinute: 60 },
      failover: { retryOn: [503, 'connect-failure'], maxRetries: 2 },
    }));
    list.push({
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind: 'AIRoutingPolicy',
      metadata: {
        name: `${ns}-models`,
        namespace: 'default',
        annotations: annotations(ns),
      },
      spec: {
        owner: 'group:default/bench',
        targetRef: {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'ai-gateway',
        },
        providers: [
          {
            name: 'openai',
            endpoint: 'https://api.openai.com',
            schema: 'OpenAI',
            credentials: {
              type: 'APIKey',
              secretRef: { name: 'openai-secret' },
            },
          },
          {
            name: 'azure',
            endpoint: 'https://bench.openai.azure.com',
            schema: 'AzureOpenAI',
            schemaVersion: '2025-01-01-preview',
            credentials: {
              type: 'AzureCredentials',
              tenantId: 't',
              clientId: 'c',
              secretRef: { name: 'azure-secret' },
            },
          },
          {
            name: 'bedrock',
            endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com',
            schema: 'AWSBedrock',
            credentials: {
              type: 'AWSCredentials',
              region: 'us-east-1',
              secretRef: { name: 'aws-secret' },
            },
          },
          {
            name: 'ollama',
            endpoint: `http://ollama.${ns}.svc:11434`,
            schema: 'OpenAI',
          },
        ],
        models,
      },
    });
    list.push({
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind: 'AIAccessPolicy',
      metadata: {
        name: `${ns}-access`,
        namespace: 'default',
        annotations: annotations(ns),
      },
      spec: {
        owner: 'group:default/bench',
        targetRef: {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'ai-gateway',
        },
        mtls: {
          trustDomain: TRUST_DOMAIN,
          trustBundleConfigMap: {
            name: 'spire-bundle',
            namespace: 'spire-system',
            key: 'bundle.spiffe',
          },
          allowedSubjects: [
            { spiffeIdPrefix: `spiffe://${TRUST_DOMAIN}/ns/${ns}/` },
          ],
        },
      },
    });
    for (let a = 0; a < AGENTS_PER_TEAM; a++) {
      list.push({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: `${ns}-agent-${a}`,
          namespace: 'default',
          annotations: {
            ...annotations(ns),
            'kagenti.io/service-account': `agent-${a}`,
          },
        },
        spec: {
          type: 'agent',
          lifecycle: 'production',
          owner: 'group:default/bench',
        },
      });
    }
  }
  list.push({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: {
      name: 'bench',
      namespace: 'default',
      annotations: annotations('default'),
    },
    spec: { type: 'team', children: [] },
  });
  return list;
}

async function seedCluster(client, demoBundle) {
  const put = o => client.apply(o);
  await put({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'spire-system' },
  });
  await put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'spire-bundle', namespace: 'spire-system' },
    data: { 'bundle.spiffe': demoBundle },
  });
  await Promise.all(
    teams().map(async ns => {
      await put({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
      await put({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: `k-${ns}` },
      });
      if (process.env.BENCH_CLIENT_SSA)
        await put({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: `c-${ns}` },
        });
      await put({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'ai-gateway', namespace: ns },
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
                    name: `${ns}-access-mtls-server`,
                  },
                ],
              },
            },
          ],
        },
      });
      for (const [name, key] of [
        ['openai-secret', 'apiKey'],
        ['azure-secret', 'client-secret'],
        ['aws-secret', 'credentials'],
      ]) {
        await put({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace: ns },
          type: 'Opaque',
          data: { [key]: b64('bench-not-a-secret') },
        });
      }
    }),
  );
}

async function main() {
  const { ConfigReader } = require('@backstage/config');
  const { createBackend } = require('@backstage/backend-defaults');
  const {
    coreServices,
    createServiceFactory,
    createBackendModule,
  } = require('@backstage/backend-plugin-api');
  const {
    catalogProcessingExtensionPoint,
  } = require('@backstage/plugin-catalog-node');
  const { KubeClient } = require('@kagenti/backstage-plugin-ai-gateway-node');
  const { demoSpiffeBundle } = require('@kagenti/kube-server');

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-bench-'));
  const kubeconfig = path.join(tmp, 'kubeconfig');
  const kubeUrl = await startKube(kubeconfig);
  log(`kube-server at ${kubeUrl}; seeding ${ROUTING} namespaces`);
  // Before the backend starts: its watches would otherwise ask for passes while the catalog is
  // still being filled.
  const seeder = new KubeClient(
    { name: 'seed', url: kubeUrl, token: TOKEN },
    { fieldManager: 'bench-seed', maxConcurrency: 16 },
  );
  await seedCluster(seeder, await demoSpiffeBundle(TRUST_DOMAIN));
  seeder.close();

  const fleet = entities();
  // The catalog ingests the fleet several times faster on PostgreSQL than on in-memory SQLite;
  // use a throwaway server when Debian's is installed (BENCH_DATABASE=sqlite to force SQLite).
  const {
    postgresUnavailable,
    startTestPostgres,
  } = require('../src/__testUtils__/postgres');
  let database = { client: 'better-sqlite3', connection: ':memory:' };
  if (process.env.BENCH_DATABASE !== 'sqlite' && !postgresUnavailable()) {
    pg = await startTestPostgres();
    database = {
      client: 'pg',
      connection: { host: pg.host, port: pg.port, user: pg.user, password: '' },
    };
  }
  print('database', database.client);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = new ConfigReader({
    app: { baseUrl: base },
    backend: {
      baseUrl: base,
      listen: { port, host: '127.0.0.1' },
      database,
      auth: {
        externalAccess: [
          { type: 'static', options: { token: TOKEN, subject: 'bench' } },
        ],
      },
    },
    catalog: { processingInterval: { hours: 24 } },
    aiGateway: {
      clusters: [
        {
          name: 'local',
          url: kubeUrl,
          serviceAccountToken: TOKEN,
          local: true,
        },
      ],
      // The startup pass finds an empty catalog and an empty cluster; the measured passes are
      // asked for once the catalog holds the whole fleet.
      schedule: { hours: 24 },
      timeout: { minutes: 9 },
      // Watches keep the cluster cache the passes read; the passes they ask for are told apart
      // from the measured ones by their start time.
      watch: true,
      catalogPollInterval: { hours: 24 },
      ...(process.env.BENCH_AGENT_MAX_AGE_MS
        ? {
            agentDirectoryMaxAge: {
              milliseconds: Number(process.env.BENCH_AGENT_MAX_AGE_MS),
            },
          }
        : {}),
      // The plugin's default unless set: what users run.
      ...(process.env.BENCH_CONCURRENCY
        ? { concurrency: Number(process.env.BENCH_CONCURRENCY) }
        : {}),
    },
  });
  const fleetModule = createBackendModule({
    pluginId: 'catalog',
    moduleId: 'bench-fleet',
    register(env) {
      env.registerInit({
        deps: { catalog: catalogProcessingExtensionPoint },
        async init({ catalog }) {
          catalog.addEntityProvider({
            getProviderName: () => 'bench-fleet',
            connect: async connection => {
              await connection.applyMutation({
                type: 'full',
                entities: fleet.map(entity => ({
                  entity,
                  locationKey: 'bench:fleet',
                })),
              });
            },
          });
        },
      });
    },
  });
  backend = createBackend();
  backend.add(
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => config,
    }),
  );
  backend.add(require('@backstage/plugin-catalog-backend').default);
  backend.add(
    require(path.join(REPO, 'plugins/catalog-backend-module-ai-gateway/src'))
      .default,
  );
  backend.add(fleetModule);
  backend.add(
    require(path.join(REPO, 'plugins/ai-gateway-backend/src')).default,
  );
  await backend.start();

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = async p => {
    const r = await fetch(`${base}${p}`, { headers: auth });
    if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const count = async filter =>
    (
      await get(
        `/api/catalog/entities/by-query?limit=1&filter=${encodeURIComponent(
          filter,
        )}`,
      )
    ).totalItems;
  const wantAgents = ROUTING * AGENTS_PER_TEAM;
  for (;;) {
    const [agents, routing, access] = await Promise.all([
      count('kind=component'),
      count('kind=airoutingpolicy'),
      count('kind=aiaccesspolicy'),
    ]);
    if (agents >= wantAgents && routing >= ROUTING && access >= ACCESS) break;
    log(
      `catalog: ${agents}/${wantAgents} agents, ${routing + access}/${
        ROUTING + ACCESS
      } policies`,
    );
    await new Promise(r => setTimeout(r, 3000));
  }
  log('catalog holds the fleet');

  const lastPass = async () => (await get('/api/ai-gateway/health')).lastPass;
  /**
   * Waits until it is quiet: no pass (such as those asked for by watch events) started for
   * `quietMs`, and this process (the catalog still stitching what it ingested, or watches
   * catching up) below a fifth of a core for a second, so a measured pass does not share the CPU
   * with leftovers of the previous phase. Waits two minutes at most.
   */
  const settle = async (quietMs = 3000) => {
    const quietBy = Date.now() + 120_000;
    let seen = (await lastPass())?.startedAt;
    let since = Date.now();
    let cpu = process.cpuUsage();
    let cpuAt = Date.now();
    let busy = 1;
    while (Date.now() < quietBy) {
      await new Promise(res => setTimeout(res, 250));
      const now = (await lastPass())?.startedAt;
      if (now !== seen) {
        seen = now;
        since = Date.now();
      }
      if (Date.now() - cpuAt >= 1000) {
        const used = process.cpuUsage(cpu);
        busy = (used.user + used.system) / 1000 / (Date.now() - cpuAt);
        cpu = process.cpuUsage();
        cpuAt = Date.now();
      }
      if (Date.now() - since >= quietMs && busy < 0.2) return;
    }
    log(`not quiet after two minutes (${Math.round(busy * 100)}% of a core)`);
  };
  /** Asks for a pass and returns the first pass that started after the request. */
  const pass = async () => {
    const asked = new Date().toISOString();
    const r = await fetch(`${base}/api/ai-gateway/reconcile`, {
      method: 'POST',
      headers: auth,
    });
    if (r.status !== 202)
      throw new Error(`POST /reconcile: ${r.status} ${await r.text()}`);
    for (;;) {
      await new Promise(res => setTimeout(res, 100));
      const last = await lastPass();
      if (last && last.startedAt >= asked) return last;
    }
  };
  const sum = (last, k) => last.clusters.reduce((n, c) => n + c[k], 0);

  // A running backend lists the policy entities' etags every catalogPollInterval (5 s), which
  // keeps that query warm in the database; polling is off here so that no pass starts while the
  // catalog fills up, so the bench lists them itself. (The first such query on the just-filled
  // PostgreSQL took 1 to 4 s and landed in the cold pass.)
  await get(
    '/api/catalog/entities?filter=kind=airoutingpolicy&filter=kind=aiaccesspolicy&fields=metadata.uid,metadata.etag',
  );
  await settle();
  log('cold pass');
  const cpuBefore = cpuSeconds();
  const stopTimeline = cpuTimeline();
  const cold = await pass();
  const cpuAfter = cpuSeconds();
  stopTimeline();
  if (!cold.clusters.every(c => c.ok))
    throw new Error(`cold pass failed: ${JSON.stringify(cold.clusters)}`);
  await settle();
  log('steady pass');
  const steady = await pass();

  // Count what the reconciler manages, and take the rendered objects for kubectl.
  const reader = new KubeClient(
    { name: 'read', url: kubeUrl, token: TOKEN },
    { fieldManager: 'bench-read' },
  );
  const kinds = [
    ['aigateway.kagenti.dev/v1alpha1', 'AIRoutingPolicy'],
    ['aigateway.kagenti.dev/v1alpha1', 'AIAccessPolicy'],
    ['gateway.envoyproxy.io/v1alpha1', 'Backend'],
    ['gateway.networking.k8s.io/v1', 'BackendTLSPolicy'],
    ['aigateway.envoyproxy.io/v1beta1', 'AIServiceBackend'],
    ['aigateway.envoyproxy.io/v1beta1', 'BackendSecurityPolicy'],
    ['aigateway.envoyproxy.io/v1beta1', 'AIGatewayRoute'],
    ['gateway.envoyproxy.io/v1alpha1', 'BackendTrafficPolicy'],
    ['gateway.envoyproxy.io/v1alpha1', 'ClientTrafficPolicy'],
    ['v1', 'Secret'],
  ];
  const items = [];
  for (const [apiVersion, kind] of kinds) {
    const list = await reader.list(apiVersion, kind, {
      labelSelector: 'aigateway.kagenti.dev/managed-by-instance=backstage',
    });
    for (const o of list.items) {
      // Server-set fields go; ownerReferences stay (kube-server collects garbage only when an
      // owner is deleted), so kubectl sends exactly what the reconciler sent.
      const meta = { ...o.metadata };
      for (const field of [
        'uid',
        'resourceVersion',
        'managedFields',
        'creationTimestamp',
        'generation',
      ]) {
        delete meta[field];
      }
      const rest = { ...o };
      delete rest.status;
      // The same objects in twin namespaces, so kubectl's apply is a cold one too; under another
      // instance label, so the reconciler does not prune them as orphans of its own.
      items.push({
        ...rest,
        metadata: {
          ...meta,
          namespace: `k-${meta.namespace}`,
          labels: {
            ...meta.labels,
            'aigateway.kagenti.dev/managed-by-instance': 'kubectl-bench',
          },
        },
      });
    }
  }
  reader.close();

  print('policies', ROUTING + ACCESS);
  print('agents', wantAgents);
  print('objects', items.length);
  print('cold_seconds', (cold.durationMs / 1000).toFixed(2));
  print('cold_requests', sum(cold, 'requests'));
  print('cold_writes', sum(cold, 'writes'));
  // From asking for the pass to seeing it finished (the scheduler's wait is idle time).
  print(
    'cold_backend_cpu_seconds',
    (cpuAfter.backend - cpuBefore.backend).toFixed(2),
  );
  print(
    'cold_kube_server_cpu_seconds',
    (cpuAfter.kube - cpuBefore.kube).toFixed(2),
  );
  print(
    'cold_machine_cpu_seconds',
    (cpuAfter.machine - cpuBefore.machine).toFixed(2),
  );
  print('steady_seconds', (steady.durationMs / 1000).toFixed(3));
  print('steady_requests', sum(steady, 'requests'));
  print('steady_writes', sum(steady, 'writes'));

  const file = path.join(tmp, 'objects.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  );
  const kubectl = () => {
    const t0 = Date.now();
    execFileSync(
      'kubectl',
      [
        '--kubeconfig',
        kubeconfig,
        'apply',
        '--server-side',
        '--field-manager=bench-kubectl',
        '--validate=false',
        '-f',
        file,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 },
    );
    return (Date.now() - t0) / 1000;
  };
  log(`kubectl apply --server-side of ${items.length} objects`);
  const kubectlBefore = cpuSeconds();
  const kubectlCold = kubectl();
  const kubectlAfter = cpuSeconds();
  print('kubectl_ssa_seconds', kubectlCold.toFixed(2));
  print(
    'kubectl_kube_server_cpu_seconds',
    (kubectlAfter.kube - kubectlBefore.kube).toFixed(2),
  );
  print(
    'kubectl_machine_cpu_seconds',
    (kubectlAfter.machine - kubectlBefore.machine).toFixed(2),
  );
  log('kubectl re-apply of the same objects');
  const kubectlAgain = kubectl();
  print('kubectl_reapply_seconds', kubectlAgain.toFixed(2));
  print(
    'cold_speedup_vs_kubectl',
    (kubectlCold / (cold.durationMs / 1000)).toFixed(1),
  );
  print(
    'steady_speedup_vs_kubectl',
    (kubectlAgain / (steady.durationMs / 1000)).toFixed(1),
  );
  fs.rmSync(file);
  if (process.env.BENCH_CLIENT_SSA) {
    // Diagnostic: the same objects through the plugin's cluster client alone, no reconciler.
    const direct = new KubeClient(
      { name: 'direct', url: kubeUrl, token: TOKEN },
      {
        fieldManager: 'bench-direct',
        // The client's default unless set, as for the reconciler above.
        ...(process.env.BENCH_CONCURRENCY
          ? { maxConcurrency: Number(process.env.BENCH_CONCURRENCY) }
          : {}),
      },
    );
    const t0 = Date.now();
    await Promise.all(
      items.map(o =>
        direct.apply({
          ...o,
          metadata: {
            ...o.metadata,
            namespace: `c-${o.metadata.namespace.slice(2)}`,
          },
        }),
      ),
    );
    print('client_ssa_seconds', ((Date.now() - t0) / 1000).toFixed(2));
    direct.close();
  }

  log(`latency: ${SAMPLES} per-agent access and catalog fetches`);
  const pick = i => {
    const t = Math.floor((i * 7919) % ROUTING);
    return `team-${String(t).padStart(4, '0')}-agent-${i % AGENTS_PER_TEAM}`;
  };
  const client = fork(path.join(__dirname, 'bench-latency-client.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  client.send({
    base,
    token: TOKEN,
    warmup: 20,
    pairs: Array.from({ length: SAMPLES }, (_, i) => [
      `/api/ai-gateway/agents/default/${pick(i)}/access`,
      `/api/catalog/entities/by-name/component/default/${pick(i)}`,
    ]),
  });
  const samples = await new Promise((resolve, reject) => {
    client.once('message', resolve);
    client.once('exit', code =>
      reject(new Error(`latency client exited with ${code}`)),
    );
  });
  if (samples.error) throw new Error(`latency client: ${samples.error}`);
  const { access, catalog } = samples;
  const sample = await get(`/api/ai-gateway/agents/default/${pick(1)}/access`);
  if (
    !sample.gateways?.[0]?.admitted ||
    sample.gateways[0].models.length !== MODELS
  ) {
    throw new Error(
      `unexpected access answer: ${JSON.stringify(sample).slice(0, 300)}`,
    );
  }
  const accessInOrder = [...access];
  const catalogInOrder = [...catalog];
  access.sort((a, b) => a - b);
  catalog.sort((a, b) => a - b);
  print('access_p50_ms', pct(access, 50).toFixed(2));
  print('access_p95_ms', pct(access, 95).toFixed(2));
  print('catalog_p50_ms', pct(catalog, 50).toFixed(2));
  print('catalog_p95_ms', pct(catalog, 95).toFixed(2));
  if (process.env.BENCH_SAMPLES_FILE) {
    fs.writeFileSync(
      process.env.BENCH_SAMPLES_FILE,
      JSON.stringify({ access: accessInOrder, catalog: catalogInOrder }),
    );
  }
  print(
    'access_vs_catalog_p95',
    (pct(access, 95) / pct(catalog, 95)).toFixed(2),
  );
  print('peak_rss_mb', Math.round(process.resourceUsage().maxRSS / 1024));
  print('total_seconds', ((Date.now() - started) / 1000).toFixed(1));
}

main()
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async e => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    await cleanup();
    process.exit(1);
  });
