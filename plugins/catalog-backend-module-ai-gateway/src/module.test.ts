import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AIGatewayEntitiesProcessor } from './AIGatewayEntitiesProcessor';
import { catalogModuleAiGateway } from './module';

describe('catalogModuleAiGateway', () => {
  it('adds the policy processor to the catalog', async () => {
    const addProcessor = jest.fn();
    await startTestBackend({
      extensionPoints: [[catalogProcessingExtensionPoint, { addProcessor }]],
      features: [catalogModuleAiGateway],
    });
    expect(addProcessor).toHaveBeenCalledWith(
      expect.any(AIGatewayEntitiesProcessor),
    );
  });
});
