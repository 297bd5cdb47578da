import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { durationToMilliseconds } from '@backstage/types';
import {
  FIELD_MANAGER,
  aiGatewayPermissions,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { KubeClient } from '@kagenti/backstage-plugin-ai-gateway-node';
import { createRouter } from './router';
import { Reconciler } from './services/Reconciler';
import { readSettings } from './services/settings';
import { createEnvoyEngine } from './services/envoyEngine';
import { AgentDirectory } from './services/AgentDirectory';
import { RECONCILE_TASK_ID, Triggers } from './services/Triggers';

/**
 * The AI Gateway backend plugin: reconciles the catalog's AIRoutingPolicy and AIAccessPolicy
 * entities into their clusters and serves `/api/ai-gateway`.
 *
 * @public
 */
export const aiGatewayPlugin = createBackendPlugin({
  pluginId: 'ai-gateway',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
      },
      async init({
        config,
        logger,
        auth,
        httpAuth,
        httpRouter,
        permissions,
        permissionsRegistry,
        scheduler,
        lifecycle,
        catalog,
      }) {
        const settings = readSettings(config);
        const clients = new Map(
          settings.clusters.map(c => [
            c.name,
            new KubeClient(c, {
              fieldManager: FIELD_MANAGER,
              maxConcurrency: settings.concurrency,
            }),
          ]),
        );
        if (clients.size === 0) {
          logger.warn(
            'ai-gateway: no cluster configured (aiGateway.clusters, kubernetes.clusterLocatorMethods, aiGateway.kubeconfig or in-cluster); policies are not reconciled',
          );
        }
        const engine = createEnvoyEngine({ instance: settings.instance });
        const reconciler = new Reconciler({
          auth,
          catalog,
          logger,
          settings,
          clients,
          engine,
        });
        permissionsRegistry.addPermissions(aiGatewayPermissions);
        const triggers = new Triggers({
          reconciler,
          scheduler,
          logger,
          clients,
          engine,
          watch: settings.watch,
          pollIntervalMs: durationToMilliseconds(settings.catalogPollInterval),
          startupWindowMs: durationToMilliseconds(settings.deletionGracePeriod),
        });

        httpRouter.use(
          await createRouter({
            httpAuth,
            auth,
            permissions,
            catalog,
            reconciler,
            // Through the triggers, which ask again when a pass is running.
            triggerPass: async () => triggers.request('POST /reconcile'),
            localClusters: new Set(
              settings.clusters.filter(c => c.local).map(c => c.name),
            ),
            agents: new AgentDirectory({
              catalog,
              auth,
              logger,
              maxAgeMs: durationToMilliseconds(settings.agentDirectoryMaxAge),
            }),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });

        await scheduler.scheduleTask({
          id: RECONCILE_TASK_ID,
          // Global: replicas sharing a database run each pass once.
          scope: 'global',
          frequency: settings.schedule,
          timeout: settings.timeout,
          ...(settings.initialDelay
            ? { initialDelay: settings.initialDelay }
            : {}),
          fn: async () => {
            await reconciler.runPass();
          },
        });

        reconciler.onBundles = namespaces =>
          triggers.updateBundleWatches(namespaces);
        lifecycle.addStartupHook(() => triggers.start());
        lifecycle.addShutdownHook(() => {
          triggers.stop();
          for (const c of clients.values()) c.close();
        });
      },
    });
  },
});
