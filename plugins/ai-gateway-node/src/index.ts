/**
 * Node.js library of the AI Gateway plugins: the intent model, the renderer interface and the
 * Envoy AI Gateway renderer, trust bundle parsing, server certificates, status computation, the
 * cluster client and the `ai-gateway` command line.
 *
 * @packageDocumentation
 */

export * from './intent';
export { objectKey } from './kubernetes';
export type { KubernetesObject, ObjectKey } from './kubernetes';
export type {
  Renderer,
  RenderOptions,
  RenderResult,
} from './renderers/Renderer';
export * from './renderers/envoyAiGateway';
export * from './naming/names';
export * from './trustBundle/parseTrustBundle';
export * from './certificates/serverCertificate';
export * from './status/computeStatus';
export * from './cluster';
