import {
  isAgentEntity,
  isAIAccessPolicyEntity,
  isAIGatewayEntity,
  isAIPolicyEntity,
  isAIRoutingPolicyEntity,
} from './predicates';
import {
  accessPolicyEntity,
  agentEntity,
  gatewayEntity,
  routingPolicyEntity,
  serviceEntity,
} from './__testUtils__/fixtures';

describe('predicates', () => {
  it('recognises agents: Component of type agent only', () => {
    expect(isAgentEntity(agentEntity)).toBe(true);
    expect(isAgentEntity(serviceEntity)).toBe(false);
    expect(isAgentEntity({ ...agentEntity, kind: 'Resource' })).toBe(false);
    expect(isAgentEntity({ ...agentEntity, kind: 'component' })).toBe(true);
    expect(isAgentEntity({ ...agentEntity, spec: undefined })).toBe(false);
  });

  it('recognises gateways: Resource of type ai-gateway only', () => {
    expect(isAIGatewayEntity(gatewayEntity)).toBe(true);
    expect(
      isAIGatewayEntity({ ...gatewayEntity, spec: { type: 'database' } }),
    ).toBe(false);
    expect(isAIGatewayEntity(agentEntity)).toBe(false);
  });

  it('recognises the two policy kinds', () => {
    expect(isAIRoutingPolicyEntity(routingPolicyEntity)).toBe(true);
    expect(isAIRoutingPolicyEntity(accessPolicyEntity)).toBe(false);
    expect(isAIAccessPolicyEntity(accessPolicyEntity)).toBe(true);
    expect(isAIAccessPolicyEntity(routingPolicyEntity)).toBe(false);
    expect(isAIPolicyEntity(routingPolicyEntity)).toBe(true);
    expect(isAIPolicyEntity(accessPolicyEntity)).toBe(true);
    expect(isAIPolicyEntity(agentEntity)).toBe(false);
  });
});
