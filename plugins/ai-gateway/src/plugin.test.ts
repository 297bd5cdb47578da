import { aiGatewayPlugin } from './plugin';

describe('ai-gateway', () => {
  it('should export plugin', () => {
    expect(aiGatewayPlugin).toBeDefined();
  });
});
