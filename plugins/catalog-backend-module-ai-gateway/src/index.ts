/***/
/**
 * The ai-gateway backend module for the catalog plugin.
 *
 * @packageDocumentation
 */

export { catalogModuleAiGateway as default } from './module';
