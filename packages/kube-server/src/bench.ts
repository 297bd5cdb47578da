/*
 * `yarn bench:kube-server`: requests per second for get, list, server-side apply and watch fan-out, and peak
 * RSS with 25,000 stored objects. Client and server share one process (and one core), so the figures are
 * a floor for the server alone. Prints `key: value` lines.
 */
import http from 'node:http';
import { startKubeServer } from './startKubeServer';

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3000);
const CONCURRENCY = 16;
const OBJECTS = 25_000;
const WATCHERS = 50;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 25);

function request(
  agent: http.Agent,
  base: URL,
  token: string,
  method: string,
  p: string,
  body?: string,
  contentType = 'application/json',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path: p,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': contentType,
          Accept: 'application/json',
        },
      },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `op` from CONCURRENCY loops for PHASE_MS; returns requests per second (throws on a non-2xx answer). */
async function rps(op: (i: number) => Promise<number>): Promise<number> {
  const until = Date.now() + PHASE_MS;
  const started = Date.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const code = await op(done);
        if (code >= 300) throw new Error(`request failed with ${code}`);
        done++;
      }
    }),
  );
  return Math.round(done / ((Date.now() - started) / 1000));
}

export async function main(): Promise<void> {
  const started = Date.now();
  const server = await startKubeServer({
    crdDirs: [],
    anonymous: false,
    watchHistory: 5000,
  });
  const base = new URL(server.url);
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: CONCURRENCY * 2,
  });
  const call = (method: string, p: string, body?: string, ct?: string) =>
    request(agent, base, server.token, method, p, body, ct);
  const out = (k: string, v: string | number) =>
    process.stdout.write(`${k}: ${v}\n`);

  out(
    'note',
    'client and server share one Node process; figures are a floor for the server alone',
  );
  await call(
    'POST',
    '/api/v1/namespaces',
    JSON.stringify({ metadata: { name: 'bench' } }),
  );
  for (let i = 0; i < 100; i++) {
    await call(
      'POST',
      '/api/v1/namespaces/bench/configmaps',
      JSON.stringify({
        metadata: { name: `cm-${i}`, labels: { app: `a${i % 10}` } },
        data: { k: 'v'.repeat(200) },
      }),
    );
  }

  out(
    'get_rps',
    await rps(() => call('GET', '/api/v1/namespaces/bench/configmaps/cm-1')),
  );
  out(
    'list_100_rps',
    await rps(() => call('GET', '/api/v1/namespaces/bench/configmaps')),
  );
  out(
    'list_labelselector_rps',
    await rps(() =>
      call('GET', '/api/v1/namespaces/bench/configmaps?labelSelector=app%3Da3'),
    ),
  );
  out(
    'ssa_rps',
    await rps(i =>
      call(
        'PATCH',
        `/api/v1/namespaces/bench/configmaps/ssa-${i % 50}?fieldManager=bench`,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `ssa-${i % 50}`, namespace: 'bench' },
          data: { n: String(i) },
        }),
        'application/apply-patch+yaml',
      ),
    ),
  );

  // Watch fan-out: WATCHERS watches on one namespace, then writes; count delivered events.
  const watchAgent = new http.Agent({
    keepAlive: false,
    maxSockets: WATCHERS + 5,
  });
  let delivered = 0;
  const streams: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: WATCHERS },
      () =>
        new Promise<void>(resolve => {
          const req = http.request(
            {
              agent: watchAgent,
              host: base.hostname,
              port: base.port,
              path: `/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=${Number.MAX_SAFE_INTEGER}`,
              headers: { Authorization: `Bearer ${server.token}` },
            },
            res => {
              let buf = '';
              res.on('data', (c: Buffer) => {
                buf += c.toString('utf8');
                const lines = buf.split('\n');
                buf = lines.pop()!;
                delivered += lines.length;
              });
              resolve();
            },
          );
          req.on('error', () => {});
          req.end();
          streams.push(req);
        }),
    ),
  );
  const writes = 1008; // 63 rounds of CONCURRENCY writes
  const t0 = Date.now();
  for (let i = 0; i < writes; i += CONCURRENCY) {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, writes - i) }, (_, j) =>
        call(
          'PATCH',
          `/api/v1/namespaces/bench/configmaps/cm-${(i + j) % 100}`,
          JSON.stringify({ data: { w: String(i + j) } }),
          'application/merge-patch+json',
        ),
      ),
    );
  }
  const expected = writes * WATCHERS;
  while (delivered < expected && Date.now() - t0 < 30_000)
    await new Promise(r => setTimeout(r, 10));
  const secs = (Date.now() - t0) / 1000;
  out('watch_watchers', WATCHERS);
  out('watch_writes', writes);
  out('watch_events_delivered', delivered);
  out('watch_fanout_events_per_s', Math.round(delivered / secs));
  out('watch_writes_per_s_with_fanout', Math.round(writes / secs));
  for (const s of streams) s.destroy();

  // 25,000 stored objects, written over HTTP.
  const rssBefore = process.memoryUsage().rss;
  const t1 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OBJECTS) {
        const i = next++;
        const code = await call(
          'POST',
          `/api/v1/namespaces/bench/configmaps`,
          JSON.stringify({
            metadata: {
              name: `obj-${i}`,
              labels: { app: `a${i % 10}`, shard: String(i % 100) },
            },
            data: { payload: `value-${i}`.padEnd(256, 'x') },
          }),
        );
        if (code !== 201) throw new Error(`create failed with ${code}`);
      }
    }),
  );
  out('create_25k_seconds', ((Date.now() - t1) / 1000).toFixed(1));
  out('create_25k_rps', Math.round(OBJECTS / ((Date.now() - t1) / 1000)));
  const t2 = Date.now();
  await call(
    'GET',
    '/api/v1/namespaces/bench/configmaps?labelSelector=shard%3D7',
  );
  out('list_25k_labelselector_ms', Date.now() - t2);
  const t3 = Date.now();
  await call('GET', '/api/v1/configmaps');
  out('list_25k_all_ms', Date.now() - t3);
  out('stored_objects', server.api.store.count());
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  out('rss_before_25k_mb', Math.round(rssBefore / 1048576));
  out('peak_rss_mb', Math.round(peakRss / 1048576));
  out('total_seconds', ((Date.now() - started) / 1000).toFixed(1));

  clearInterval(sampler);
  agent.destroy();
  watchAgent.destroy();
  await server.stop();
}
