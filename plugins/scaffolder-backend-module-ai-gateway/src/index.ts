/**
 * Scaffolder actions of the Kagenti AI Gateway: `aigateway:policy:validate`,
 * `aigateway:policy:apply`, `aigateway:agent:access` and `aigateway:publish:local`.
 *
 * @packageDocumentation
 */

export { scaffolderModuleAiGateway as default } from './module';
export { createPolicyValidateAction } from './actions/validatePolicy';
export { createPolicyApplyAction } from './actions/applyPolicy';
export { createAgentAccessAction } from './actions/agentAccess';
export { createPublishLocalAction } from './actions/publishLocal';
