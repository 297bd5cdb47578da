/**
 * The AI Gateway plugin for Backstage's new frontend system.
 *
 * @packageDocumentation
 */
import { Content } from '@backstage/core-components';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import GatewayIcon from '@material-ui/icons/DeviceHub';
import { AiGatewayClient, aiGatewayApiRef } from './api';
import {
  isAgentEntity,
  isAIGatewayEntity,
  isAIPolicyEntity,
} from './predicates';
import { rootRouteRef } from './routes';

const pageRouteRef = convertLegacyRouteRef(rootRouteRef);

/** @alpha */
export const aiGatewayApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: aiGatewayApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new AiGatewayClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The AI Gateway page; its title and icon make the sidebar item (the new
 * frontend system derives nav items from pages).
 *
 * @alpha
 */
export const aiGatewayPage = PageBlueprint.make({
  params: {
    path: '/ai-gateway',
    title: 'AI Gateway',
    icon: <GatewayIcon fontSize="inherit" />,
    routeRef: pageRouteRef,
    loader: () =>
      import('./components/GatewayPage').then(m => (
        <Content>
          <m.GatewaysOverview />
        </Content>
      )),
  },
});

/** @alpha */
export const entityAiAccessContent = EntityContentBlueprint.make({
  name: 'ai-access',
  params: {
    path: '/ai-access',
    title: 'AI Access',
    filter: isAgentEntity,
    loader: () =>
      import('./components/AgentAccess').then(m => <m.AgentAccessContent />),
  },
});

/** @alpha */
export const entityAiPolicyContent = EntityContentBlueprint.make({
  name: 'ai-policy',
  params: {
    path: '/ai-gateway',
    title: 'AI Gateway',
    filter: isAIPolicyEntity,
    loader: () =>
      import('./components/PolicyStatus').then(m => <m.PolicyContent />),
  },
});

/** @alpha */
export const entityAiGatewayContent = EntityContentBlueprint.make({
  name: 'gateway',
  params: {
    path: '/ai-gateway',
    title: 'AI Gateway',
    filter: isAIGatewayEntity,
    loader: () =>
      import('./components/GatewayPage').then(m => <m.GatewayEntityContent />),
  },
});

/** @alpha */
export const entityAiModelsCard = EntityCardBlueprint.make({
  name: 'ai-models',
  params: {
    filter: isAgentEntity,
    loader: () =>
      import('./components/AgentAccess').then(m => <m.ModelAccessCard />),
  },
});

/** @alpha */
export default createFrontendPlugin({
  pluginId: 'ai-gateway',
  title: 'AI Gateway',
  icon: <GatewayIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    aiGatewayApi,
    aiGatewayPage,
    entityAiAccessContent,
    entityAiPolicyContent,
    entityAiGatewayContent,
    entityAiModelsCard,
  ],
  routes: { root: pageRouteRef },
});
