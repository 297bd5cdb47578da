import type { ApiAgentGatewayAccess } from '@kagenti/backstage-plugin-ai-gateway-common';
import { ConditionsTable } from '../shared';

/** Conditions of every Gateway and policy on the agent's path. */
export function AgentConditionsCard(props: {
  gateways: ApiAgentGatewayAccess[];
}) {
  const many = props.gateways.length > 1;
  const conditions = props.gateways.flatMap(g =>
    g.conditions.map(c => ({
      ...c,
      source: many ? `${g.gateway.name}: ${c.source}` : c.source,
    })),
  );
  return (
    <ConditionsTable
      title="Gateway and policy conditions"
      conditions={conditions}
      showSource
      emptyMessage="No conditions yet: the Gateway and its policies have not reported status. They appear after the next reconcile."
    />
  );
}
