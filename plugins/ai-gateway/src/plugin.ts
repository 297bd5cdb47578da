import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { AiGatewayClient, aiGatewayApiRef } from './api';
import { rootRouteRef } from './routes';

/**
 * The AI Gateway frontend plugin for the legacy frontend system. Apps on the
 * new frontend system use the default export of `/alpha` instead.
 *
 * @public
 */
export const aiGatewayPlugin = createPlugin({
  id: 'ai-gateway',
  apis: [
    createApiFactory({
      api: aiGatewayApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new AiGatewayClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/**
 * Gateways across clusters with their policies and health.
 *
 * @public
 */
export const AiGatewayPage = aiGatewayPlugin.provide(
  createRoutableExtension({
    name: 'AiGatewayPage',
    component: () =>
      import('./components/GatewayPage').then(m => m.AiGatewayPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The AI Access tab of an agent (use with `isAgentEntity`).
 *
 * @public
 */
export const EntityAiAccessContent = aiGatewayPlugin.provide(
  createComponentExtension({
    name: 'EntityAiAccessContent',
    component: {
      lazy: () =>
        import('./components/AgentAccess').then(m => m.AgentAccessContent),
    },
  }),
);

/**
 * The compact model list card for an agent's overview.
 *
 * @public
 */
export const EntityAiModelsCard = aiGatewayPlugin.provide(
  createComponentExtension({
    name: 'EntityAiModelsCard',
    component: {
      lazy: () =>
        import('./components/AgentAccess').then(m => m.ModelAccessCard),
    },
  }),
);

/**
 * The status tab of an AIRoutingPolicy or AIAccessPolicy (use with
 * `isAIPolicyEntity`).
 *
 * @public
 */
export const EntityAiPolicyContent = aiGatewayPlugin.provide(
  createComponentExtension({
    name: 'EntityAiPolicyContent',
    component: {
      lazy: () =>
        import('./components/PolicyStatus').then(m => m.PolicyContent),
    },
  }),
);

/**
 * The AI Gateway tab of a Gateway's catalog Resource (use with
 * `isAIGatewayEntity`).
 *
 * @public
 */
export const EntityAiGatewayContent = aiGatewayPlugin.provide(
  createComponentExtension({
    name: 'EntityAiGatewayContent',
    component: {
      lazy: () =>
        import('./components/GatewayPage').then(m => m.GatewayEntityContent),
    },
  }),
);
