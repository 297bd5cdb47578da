import { Table, TableColumn } from '@backstage/core-components';
import type {
  ApiAgentGatewayAccess,
  ApiModelAccess,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  EntityLink,
  LimitsList,
  ModelReady,
  ProviderChain,
  TableEmpty,
} from '../shared';

type Row = ApiModelAccess & { id: string; gatewayLabel: string };

/** The models an agent can call, through the Gateways that admit it. */
export function modelRows(gateways: ApiAgentGatewayAccess[]): Row[] {
  return gateways
    .filter(g => g.admitted)
    .flatMap(g =>
      g.models.map(m => ({
        ...m,
        id: `${g.gateway.cluster}/${g.gateway.namespace}/${g.gateway.name}/${m.name}`,
        gatewayLabel: `${g.gateway.namespace}/${g.gateway.name}`,
      })),
    );
}

export function ModelAccessTable(props: { gateways: ApiAgentGatewayAccess[] }) {
  const rows = modelRows(props.gateways);
  const columns: TableColumn<Row>[] = [
    { title: 'Model', field: 'name', highlight: true },
    { title: 'Gateway', field: 'gatewayLabel' },
    {
      title: 'Provider chain',
      render: row => <ProviderChain backends={row.backends} />,
    },
    { title: 'Limits', render: row => <LimitsList limits={row.limits} /> },
    { title: 'Ready', render: row => <ModelReady model={row} /> },
    {
      title: 'Routing policy',
      render: row => <EntityLink entity={row.policy} />,
    },
  ];
  const admitted = props.gateways.some(g => g.admitted);
  return (
    <div role="region" aria-label="Model access">
      <Table<Row>
        title="Model access"
        columns={columns}
        data={rows}
        options={{ paging: false, search: false, padding: 'dense' }}
        emptyContent={
          <TableEmpty>
            {admitted
              ? 'The Gateways that admit this agent expose no models yet. Add an AIRoutingPolicy that targets one of them, with at least one model.'
              : 'This agent is not admitted to any Gateway, so it cannot call any model. See the SPIFFE identity card for why.'}
          </TableEmpty>
        }
      />
    </div>
  );
}
