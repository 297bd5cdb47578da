import { createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AIGatewayEntitiesProcessor } from './AIGatewayEntitiesProcessor';

/** Adds the AI Gateway policy kinds to the catalog. */
export const catalogModuleAiGateway = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'ai-gateway',
  register(reg) {
    reg.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        catalog.addProcessor(new AIGatewayEntitiesProcessor());
      },
    });
  },
});
