/*
 * Fault schedules against the reconciler: a 200-policy fleet is reconciled and edited while
 * kube-server injects latency, 5xx, 429 with Retry-After, connection resets, 409 storms and
 * partitions, and while the backend restarts mid-pass. Once the faults stop, every scenario must
 * reach the catalog's state (every edit, no stale object) within a bounded number of passes, and
 * nothing the reconciler does not own may ever be deleted.
 */
import request from 'supertest';
import { Entity } from '@backstage/catalog-model';
import { FaultSpec, KubeServer, startKubeServer } from '@kagenti/kube-server';
import { Tally } from './metrics';
import { SEED } from './corpus';
import { TestBackend, TestCatalog, startBackend } from './testing/backend';

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

const SCENARIOS = Number(process.env.RELIABILITY_FAULT_SCENARIOS ?? 50);
const FLEET = 200;
const NAMESPACES = 10;
const MAX_PASSES = 6;
const GROUP = 'aigateway.kagenti.dev/v1alpha1';
const BACKEND = 'gateway.envoyproxy.io/v1alpha1';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const INSTANCE = 'aigateway.kagenti.dev/managed-by-instance';
const FLEET_SECRET = 'sk-reliability-fleet-7f3a9c1e0b';

const tally = new Tally('faults');

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function policy(
  name: string,
  ns: string,
  host: string,
  withCredentials: boolean,
): Entity {
  return {
    apiVersion: GROUP,
    kind: 'AIRoutingPolicy',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      etag: 'e0',
      annotations: { 'backstage.io/kubernetes-namespace': ns },
    },
    spec: {
      owner: 'group:default/fleet',
      targetRef: {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'gw',
      },
      providers: [
        {
          name: 'llm',
          endpoint: `http://${host}:8000`,
          schema: 'OpenAI',
          ...(withCredentials
            ? {
                credentials: {
                  type: 'APIKey',
                  secretRef: { name: `cred-${name}` },
                },
              }
            : {}),
        },
      ],
      models: [
        { name: `model-${name}`, backends: [{ provider: 'llm', model: 'm' }] },
      ],
    },
  };
}

suite('fault schedules against a 200-policy fleet', () => {
  let kube: KubeServer;
  let backend: TestBackend;
  const catalog = new TestCatalog([]);
  /** name -> { namespace, host } as the catalog states it. */
  const desired = new Map<string, { ns: string; host: string }>();
  const removed = new Map<string, { ns: string }>();
  /** Objects the reconciler does not own: key -> uid. */
  const planted = new Map<
    string,
    { apiVersion: string; kind: string; ns: string; name: string; uid: string }
  >();
  let maxPasses = 0;
  let converged = 0;
  let unownedDeletions = 0;
  let run = 0;
  const hits = new Map<string, number>();
  const totalHits = new Map<string, number>();

  const start = () =>
    // No grace period before deleting the resource of a removed policy: removals must converge
    // within the scenario's passes too.
    startBackend({
      kube,
      catalog,
      canApply: () => true,
      aiGateway: { deletionGracePeriod: { seconds: 0 } },
    }).then(b => {
      // Keep every log line across restarts for the secret check.
      if (backend) b.logs.unshift(...backend.logs);
      backend = b;
    });

  function setPolicy(name: string, ns: string, host: string) {
    const n = Number(name.replace(/\D/g, '')) || 0;
    catalog.upsert(policy(name, ns, host, n % 10 === 0));
    desired.set(name, { ns, host });
    removed.delete(name);
  }

  function plant(
    ns: string,
    name: string,
    labels: Record<string, string>,
    ownerName?: string,
  ) {
    const obj = kube.put({
      apiVersion: BACKEND,
      kind: 'Backend',
      metadata: {
        name,
        namespace: ns,
        labels,
        ...(ownerName
          ? {
              ownerReferences: [
                {
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  name: ownerName,
                  uid: 'not-a-policy',
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        endpoints: [{ fqdn: { hostname: 'planted.example.com', port: 443 } }],
      },
    });
    planted.set(`${ns}/${name}`, {
      apiVersion: BACKEND,
      kind: 'Backend',
      ns,
      name,
      uid: obj.metadata.uid,
    });
  }

  function countUnownedDeletions(): number {
    let gone = 0;
    for (const p of planted.values()) {
      const live = kube.get(p.apiVersion, p.kind, p.ns, p.name);
      if (!live || live.metadata.uid !== p.uid) gone++;
    }
    return gone;
  }

  async function lastPass() {
    const res = await request(backend.http).get('/api/ai-gateway/health');
    return res.body.lastPass?.clusters?.[0];
  }

  /** What differs between the cluster and the catalog (empty when converged). */
  function differences(): string[] {
    const out: string[] = [];
    for (const [name, d] of desired) {
      const cr = kube.get(GROUP, 'AIRoutingPolicy', d.ns, name);
      if (!cr) out.push(`${name}: resource missing`);
      else if (
        (cr.spec as any).providers[0].endpoint !== `http://${d.host}:8000`
      ) {
        out.push(
          `${name}: resource has ${
            (cr.spec as any).providers[0].endpoint
          }, want ${d.host}`,
        );
      }
      const be = kube.get(BACKEND, 'Backend', d.ns, `${name}-llm`);
      const host = (be?.spec as any)?.endpoints?.[0]?.fqdn?.hostname;
      if (host !== d.host)
        out.push(`${name}: Backend host ${host}, want ${d.host}`);
      if (
        !kube.get(
          'aigateway.envoyproxy.io/v1beta1',
          'AIGatewayRoute',
          d.ns,
          name,
        )
      ) {
        out.push(`${name}: AIGatewayRoute missing`);
      }
      const programmed = (cr?.status as any)?.conditions?.find(
        (c: any) => c.type === 'Accepted',
      );
      if (!programmed) out.push(`${name}: no status written`);
    }
    for (const [name, r] of removed) {
      if (kube.get(GROUP, 'AIRoutingPolicy', r.ns, name))
        out.push(`${name}: removed policy still applied`);
      if (kube.get(BACKEND, 'Backend', r.ns, `${name}-llm`))
        out.push(`${name}: removed policy's Backend still there`);
    }
    return out;
  }

  beforeAll(async () => {
    kube = await startKubeServer({});
    for (let n = 0; n < NAMESPACES; n++) {
      const ns = `fleet-${n}`;
      kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      kube.put({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: ns },
        spec: {
          gatewayClassName: 'eg',
          listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
        },
      });
    }
    for (let i = 0; i < FLEET; i++) {
      const name = `p-${i}`;
      const ns = `fleet-${i % NAMESPACES}`;
      if (i % 10 === 0) {
        kube.put({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `cred-${name}`, namespace: ns },
          type: 'Opaque',
          data: {
            apiKey: Buffer.from(`${FLEET_SECRET}-${i}`).toString('base64'),
          },
        });
      }
      setPolicy(name, ns, `svc-${i}.${ns}.svc`);
    }
    // Lookalikes the reconciler must never delete: the names it would use, in its namespaces.
    for (let n = 0; n < NAMESPACES; n++) {
      const ns = `fleet-${n}`;
      plant(ns, `p-${n}-llm-handmade`, {});
      plant(ns, `p-${n}-llm-other`, {
        [MANAGED_BY]: 'kagenti-ai-gateway',
        [INSTANCE]: 'other',
      });
      plant(ns, `p-${n}-llm-unowned`, {
        [MANAGED_BY]: 'kagenti-ai-gateway',
        [INSTANCE]: 'backstage',
      });
      plant(
        ns,
        `p-${n}-llm-foreign-owner`,
        {
          [MANAGED_BY]: 'kagenti-ai-gateway',
          [INSTANCE]: 'backstage',
          'aigateway.kagenti.dev/policy': `p-${n}`,
        },
        `p-${n}`,
      );
    }
    // Count the faults kube-server actually injects, so a schedule that never fired shows.
    const pick = kube.faults.pick.bind(kube.faults);
    kube.faults.pick = (r: any) => {
      const picked = pick(r);
      for (const f of picked) hits.set(f.kind, (hits.get(f.kind) ?? 0) + 1);
      return picked;
    };
    await start();
    await backend.pass();
    await backend.pass();
    const diff = differences();
    tally.check(
      diff.length === 0,
      'the fleet converges without faults',
      diff.slice(0, 5).join('; '),
    );
  });

  afterAll(async () => {
    tally.add('fault_scenarios', run);
    tally.add('converged', converged);
    tally.atLeast('max_passes_to_converge', maxPasses);
    tally.add('unowned_deletions', unownedDeletions);
    const leaks = backend
      ? backend.logs.filter(l => l.includes(FLEET_SECRET)).length
      : 0;
    tally.add('secret_leaks', leaks);
    tally.check(
      leaks === 0,
      'no credential value in the reconciler logs under faults',
      `${leaks} lines`,
    );
    process.stderr.write(
      `[faults] injected: ${JSON.stringify(Object.fromEntries(totalHits))}\n`,
    );
    process.off('unhandledRejection', onUnhandled);
    tally.add('crashes', unhandled.length);
    tally.check(
      unhandled.length === 0,
      'no unhandled promise rejection',
      unhandled.join(' | '),
    );
    tally.write();
    kube?.faults.clear();
    await backend?.stop();
    await kube?.stop();
  });

  it(`converges after each of ${SCENARIOS} randomized fault schedules`, async () => {
    const kinds = [
      'latency',
      'error',
      'throttle',
      'reset',
      'conflict',
      'partition',
      'restart',
    ] as const;
    for (let s = 0; s < SCENARIOS; s++) {
      const rnd = prng(SEED + s);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
      kube.faults.reseed(SEED + s);

      // Edits before the faults: endpoint changes, a removal, an addition or a comeback.
      const edits = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < edits; k++) {
        const name = pick([...desired.keys()]);
        setPolicy(
          name,
          desired.get(name)!.ns,
          `edit-${s}-${k}.${desired.get(name)!.ns}.svc`,
        );
      }
      let removedNow = false;
      if (rnd() < 0.5 && desired.size > FLEET - 10) {
        removedNow = true;
        const name = pick([...desired.keys()]);
        removed.set(name, { ns: desired.get(name)!.ns });
        desired.delete(name);
        catalog.remove(`airoutingpolicy:default/${name}`);
      }
      if (rnd() < 0.5) {
        const back =
          removed.size && rnd() < 0.5 ? pick([...removed.keys()]) : `n-${s}`;
        const ns = removed.get(back)?.ns ?? `fleet-${s % NAMESPACES}`;
        setPolicy(back, ns, `new-${s}.${ns}.svc`);
      }

      // The schedule: one to four faults, maybe a restart, applied for one or two passes.
      const schedule: string[] = [];
      const faultCount = 1 + Math.floor(rnd() * 4);
      let restart = false;
      const partitions: string[] = [];
      for (let f = 0; f < faultCount; f++) {
        const kind = kinds[(s + f * 3 + Math.floor(rnd() * 7)) % kinds.length];
        // Verbs the passes of this scenario make (a delete only when a policy was removed).
        const verb = pick(
          removedNow
            ? ([undefined, 'patch', 'list', 'delete'] as const)
            : ([undefined, 'patch', 'list'] as const),
        );
        let spec: FaultSpec | undefined;
        switch (kind) {
          case 'latency':
            spec = {
              kind,
              latencyMs: 5 + Math.floor(rnd() * 60),
              probability: 0.3,
            };
            break;
          case 'error':
            spec = {
              kind,
              verb,
              status: pick([500, 502, 503, 504]),
              probability: 0.1 + rnd() * 0.3,
              count: 10 + Math.floor(rnd() * 60),
            };
            break;
          case 'throttle':
            spec = {
              kind,
              verb,
              retryAfterSeconds: pick([0, 1]),
              probability: 0.2 + rnd() * 0.3,
              count: 1 + Math.floor(rnd() * 6),
            };
            break;
          case 'reset':
            spec = {
              kind,
              verb,
              probability: 0.2 + rnd() * 0.3,
              count: 5 + Math.floor(rnd() * 30),
            };
            break;
          case 'conflict':
            spec = {
              kind,
              verb: 'patch',
              probability: 0.2 + rnd() * 0.5,
              count: 20 + Math.floor(rnd() * 80),
            };
            break;
          case 'partition':
            spec = { kind, verb: pick(['list', 'patch', undefined]) };
            break;
          case 'restart':
            restart = true;
            break;
          default:
        }
        if (spec) {
          const id = kube.faults.add(spec);
          if (spec.kind === 'partition') partitions.push(id);
        }
        schedule.push(
          spec ? `${spec.kind}${spec.verb ? `/${spec.verb}` : ''}` : kind,
        );
      }
      const faultPasses = 1 + Math.floor(rnd() * 2);
      for (let p = 0; p < faultPasses; p++) {
        const passing = backend.pass().catch(() => undefined);
        // Partitions heal after a while; requests held by them are then released.
        const faults = kube.faults;
        for (const id of partitions) {
          setTimeout(() => faults.remove(id), 100 + Math.floor(rnd() * 300));
        }
        // An edit made while the pass runs must not be lost.
        await sleep(Math.floor(rnd() * 50));
        const late = pick([...desired.keys()]);
        setPolicy(
          late,
          desired.get(late)!.ns,
          `late-${s}-${p}.${desired.get(late)!.ns}.svc`,
        );
        if (restart && p === 0) {
          await sleep(Math.floor(rnd() * 150));
          // The backend goes away mid-pass (its clients are closed) and a new one takes over.
          await backend.stop().catch(() => undefined);
          await passing;
          await start();
        } else {
          await passing;
        }
      }

      const fired = [...hits.values()].reduce((a, b) => a + b, 0);
      tally.check(
        fired > 0 || (restart && schedule.length === 1),
        `scenario ${s} [${schedule.join(', ')}] injected faults`,
        JSON.stringify(Object.fromEntries(hits)),
      );
      for (const [k, v] of hits) totalHits.set(k, (totalHits.get(k) ?? 0) + v);
      hits.clear();

      // Faults stop: count the passes until the cluster holds the catalog's state and a pass
      // writes nothing.
      kube.faults.clear();
      let passes = 0;
      let ok = false;
      let last: any;
      while (passes < MAX_PASSES && !ok) {
        await backend.pass();
        passes++;
        last = await lastPass();
        ok =
          differences().length === 0 && last?.ok === true && last.writes === 0;
      }
      run++;
      maxPasses = Math.max(maxPasses, passes);
      const diff = differences();
      if (
        tally.check(
          ok,
          `scenario ${s} [${schedule.join(', ')}${
            restart ? '' : ''
          }] converges in ${MAX_PASSES} passes`,
          `${diff.slice(0, 3).join('; ')} last=${JSON.stringify(last)}`,
        )
      ) {
        converged++;
      }
      const gone = countUnownedDeletions();
      tally.check(
        gone === unownedDeletions,
        `scenario ${s} deleted nothing it does not own`,
        `${gone} planted objects gone`,
      );
      unownedDeletions = gone;
    }
    expect(converged).toBe(run);
    expect(unownedDeletions).toBe(0);
  });

  it('never takes over, then deletes, a hand-made object that has the name of a rendered one', async () => {
    const ns = 'fleet-3';
    // Made by hand before the policy exists, with exactly the name the renderer will use.
    const before = kube.put({
      apiVersion: BACKEND,
      kind: 'Backend',
      metadata: {
        name: 'clash-llm',
        namespace: ns,
        labels: { team: 'someone-else' },
      },
      spec: {
        endpoints: [{ fqdn: { hostname: 'theirs.example.com', port: 443 } }],
      },
    });
    setPolicy('clash', ns, `clash.${ns}.svc`);
    await backend.pass();
    catalog.remove('airoutingpolicy:default/clash');
    desired.delete('clash');
    await backend.pass();
    const after = kube.get(BACKEND, 'Backend', ns, 'clash-llm');
    const kept = after?.metadata.uid === before.metadata.uid;
    if (!kept) unownedDeletions++;
    tally.check(
      kept,
      'a hand-made object with a rendered name survives the policy that wanted its name',
      after ? 'replaced' : 'deleted',
    );
    expect(kept).toBe(true);
  });
});
