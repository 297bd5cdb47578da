import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createAgentAccessAction } from './actions/agentAccess';
import { createPolicyApplyAction } from './actions/applyPolicy';
import { createPolicyValidateAction } from './actions/validatePolicy';
import { createPublishLocalAction } from './actions/publishLocal';

/** Registers the `aigateway:*` scaffolder actions. */
export const scaffolderModuleAiGateway = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'ai-gateway',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        discovery: coreServices.discovery,
      },
      async init({
        scaffolderActions,
        config,
        catalog,
        auth,
        permissions,
        discovery,
      }) {
        scaffolderActions.addActions(
          createPolicyValidateAction(),
          createPolicyApplyAction({
            config,
            catalog,
            permissions,
            auth,
            discovery,
          }),
          createAgentAccessAction({ config, catalog }),
          createPublishLocalAction({ config, catalog, auth }),
        );
      },
    });
  },
});
