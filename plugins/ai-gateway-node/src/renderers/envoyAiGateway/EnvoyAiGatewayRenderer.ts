import type { Intent } from '../../intent/types';
import type { Renderer, RenderOptions, RenderResult } from '../Renderer';
import { renderAccess } from './renderAccess';
import { renderRouting } from './renderRouting';

/** Renders intents for Envoy AI Gateway v1.1 on Envoy Gateway v1.8 and Gateway API v1.5. */
export class EnvoyAiGatewayRenderer implements Renderer {
  readonly id = 'envoy-ai-gateway';

  render(intent: Intent, options: RenderOptions = {}): RenderResult {
    if (intent.kind === 'routing') {
      const { objects, problems } = renderRouting(intent, options);
      return { objects, problems, retain: [] };
    }
    const { objects, retain } = renderAccess(intent, options);
    return { objects, problems: [], retain };
  }
}
