import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_VERSION,
  LABELS,
  ROUTING_POLICY_KIND,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ClusterCache,
  KubeClient,
  WatchEvent,
  WatchHandle,
} from '@kagenti/backstage-plugin-ai-gateway-node';
import { Engine } from './engine';
import { Reconciler } from './Reconciler';

export const RECONCILE_TASK_ID = 'ai-gateway-reconcile';
const STARTUP_POLL_MS = 1000;

/**
 * Prompt passes between scheduled ones. Every trigger goes through the scheduler's
 * `triggerTask`, so with a global task replicas sharing a database still run a pass once.
 * - catalog: a cheap poll of the policy entities' uids and etags;
 * - clusters: watches on rendered objects, Gateways and trust bundle ConfigMaps; any change
 *   (an object edited or deleted by hand, a Gateway becoming ready, a rotated bundle) asks for a
 *   pass, which repairs drift and refreshes conditions.
 */
export class Triggers {
  private timer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private caches = new Map<string, ClusterCache>();
  private bundleWatches = new Map<string, WatchHandle>();
  private catalogHash: string | undefined;
  private catalogFailed = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      reconciler: Reconciler;
      scheduler: SchedulerService;
      logger: LoggerService;
      clients: Map<string, KubeClient>;
      engine: Engine;
      pollIntervalMs: number;
      /**
       * A window after startup in which the catalog is likely still filling up (the deletion
       * grace period): it is polled every second then, so policies it ingests right after
       * startup are applied in about a second rather than after a whole interval. Only when the
       * interval is shorter than the window (a longer one means polls are meant to be rare).
       */
      startupWindowMs?: number;
      debounceMs?: number;
      watch: boolean;
    },
  ) {}

  /** Asks for a pass soon; bursts of events become one pass. */
  request(why: string) {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      try {
        await this.deps.scheduler.triggerTask(RECONCILE_TASK_ID);
        this.deps.logger.debug(`ai-gateway: pass requested (${why})`);
      } catch (e) {
        // Running already: ask again so the change is seen by a pass that starts after it.
        if (
          e instanceof ConflictError ||
          (e as Error).name === 'ConflictError'
        ) {
          setTimeout(() => this.request(why), 2000).unref?.();
        } else {
          this.deps.logger.warn(
            `ai-gateway: could not trigger a pass: ${(e as Error).message}`,
          );
        }
      }
    }, this.deps.debounceMs ?? 500);
    this.timer.unref?.();
  }

  start() {
    this.pollCatalog();
    if (this.deps.watch) this.startWatches();
  }

  private pollCatalog() {
    const { pollIntervalMs, startupWindowMs = 0 } = this.deps;
    const startupUntil =
      pollIntervalMs < startupWindowMs ? Date.now() + startupWindowMs : 0;
    const tick = async () => {
      try {
        const entities = await this.deps.reconciler.readCatalogFingerprint();
        const hash = createHash('sha256').update(entities).digest('hex');
        if (this.catalogHash !== undefined && hash !== this.catalogHash) {
          this.request('catalog changed');
        } else if (
          this.catalogHash === undefined &&
          this.catalogFailed &&
          !this.deps.reconciler.index.lastPass
        ) {
          // The catalog was not answering yet (still starting up), so the startup pass most
          // likely failed the same way: one is asked for as soon as it answers.
          this.request('catalog answering');
        }
        this.catalogHash = hash;
      } catch (e) {
        this.catalogFailed = true;
        this.deps.logger.debug(
          `ai-gateway: catalog poll failed: ${(e as Error).message}`,
        );
      }
      if (!this.stopped) {
        this.pollTimer = setTimeout(
          tick,
          Date.now() < startupUntil
            ? Math.min(STARTUP_POLL_MS, pollIntervalMs)
            : pollIntervalMs,
        );
        this.pollTimer.unref?.();
      }
    };
    tick();
  }

  /**
   * One watch-fed cache per cluster of everything a pass lists: the policy kinds and rendered
   * kinds of this instance, Gateways, and Secrets (key names only, except our own). Passes read
   * it instead of listing; each change asks for a pass.
   */
  private startWatches() {
    const { reconciler, engine } = this.deps;
    const selector = `${LABELS.instance}=${reconciler.settings.instance}`;
    const instance = reconciler.settings.instance;
    const caches = new Map<string, ClusterCache>();
    for (const client of this.deps.clients.values()) {
      const cache = new ClusterCache(
        client,
        ev => this.onEvent(client.name, ev),
        (kind, e) =>
          this.deps.logger.debug(
            `ai-gateway: watch ${kind} on ${client.name}: ${e.message}`,
          ),
      );
      for (const kind of [ROUTING_POLICY_KIND, ACCESS_POLICY_KIND]) {
        cache.track(AI_GATEWAY_API_VERSION, kind);
      }
      cache.track('gateway.networking.k8s.io/v1', 'Gateway');
      if (reconciler.settings.mode === 'embedded') {
        for (const k of engine.renderedKinds) {
          if (k.apiVersion === 'v1' && k.kind === 'Secret') continue;
          cache.track(k.apiVersion, k.kind, { labelSelector: selector });
        }
        cache.track('v1', 'Secret', {
          // Only our own Secrets are needed whole; of the others, the key names.
          transform: s =>
            s.metadata.labels?.[LABELS.instance] === instance
              ? s
              : {
                  ...s,
                  data: Object.fromEntries(
                    Object.keys((s.data as Record<string, string>) ?? {}).map(
                      k => [k, ''],
                    ),
                  ),
                },
        });
      }
      caches.set(client.name, cache);
    }
    this.caches = caches;
    reconciler.caches = caches;
  }

  private onEvent(cluster: string, { type, object: obj, echo }: WatchEvent) {
    // The echo of a write of this replica's is what the pass that wrote it already saw.
    if (echo || !this.deps.reconciler.isRelevant(cluster, obj)) return;
    this.request(
      `${type} ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} in ${cluster}`,
    );
  }

  /** Keeps one ConfigMap watch per namespace holding a referenced trust bundle. */
  updateBundleWatches(refs: Map<string, Set<string>>) {
    if (!this.deps.watch || this.stopped) return;
    for (const [cluster, namespaces] of refs) {
      const client = this.deps.clients.get(cluster);
      if (!client) continue;
      for (const ns of namespaces) {
        const key = `${cluster}|${ns}`;
        if (this.bundleWatches.has(key)) continue;
        let synced = false;
        this.bundleWatches.set(
          key,
          client.watch(
            'v1',
            'ConfigMap',
            { namespace: ns },
            {
              onSync: () => {
                synced = true;
              },
              onEvent: ev => {
                if (!synced) return;
                const ref = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
                if (this.deps.reconciler.isBundleReferenced(cluster, ref)) {
                  this.request(`trust bundle ${ref} ${ev.type} in ${cluster}`);
                }
              },
            },
          ),
        );
      }
    }
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const c of this.caches.values()) c.stop();
    for (const w of this.bundleWatches.values()) w.stop();
  }
}
