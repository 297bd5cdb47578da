import { Table, TableColumn } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { ApiRenderedObject } from '@kagenti/backstage-plugin-ai-gateway-common';
import { Health, StatusMark, TableEmpty } from '../shared';

type Row = ApiRenderedObject & { id: string };

const DRIFT: Record<ApiRenderedObject['drift'], [Health, string]> = {
  'in-sync': ['ok', 'In sync'],
  drifted: ['warning', 'Drifted'],
  missing: ['error', 'Missing'],
  unknown: ['pending', 'Unknown'],
};

function Accepted(props: { accepted?: boolean }) {
  if (props.accepted === undefined) {
    return <StatusMark health="pending" label="Not reported" />;
  }
  return props.accepted ? (
    <StatusMark health="ok" label="Accepted" />
  ) : (
    <StatusMark health="error" label="Not accepted" />
  );
}

/** What the reconciler rendered for the policy, read back from the cluster. */
export function RenderedObjectsTable(props: { objects: ApiRenderedObject[] }) {
  const rows: Row[] = props.objects.map(o => ({
    ...o,
    id: `${o.apiVersion}/${o.kind}/${o.namespace}/${o.name}`,
  }));
  const columns: TableColumn<Row>[] = [
    { title: 'Kind', field: 'kind', highlight: true },
    { title: 'Name', field: 'name' },
    { title: 'API version', field: 'apiVersion' },
    { title: 'Accepted', render: row => <Accepted accepted={row.accepted} /> },
    {
      title: 'Drift',
      render: row => {
        const [health, label] = DRIFT[row.drift] ?? DRIFT.unknown;
        return (
          <>
            <StatusMark health={health} label={label} />
            {row.differences && row.differences.length > 0 && (
              <Typography variant="body2" color="textSecondary">
                Differs at: {row.differences.join(', ')}
              </Typography>
            )}
          </>
        );
      },
    },
  ];
  return (
    <div role="region" aria-label="Rendered objects">
      <Table<Row>
        title="Rendered objects"
        subtitle="Envoy AI Gateway, Envoy Gateway and Gateway API objects the policy becomes, compared with the live cluster"
        columns={columns}
        data={rows}
        options={{
          paging: rows.length > 20,
          pageSize: 20,
          search: false,
          padding: 'dense',
        }}
        emptyContent={
          <TableEmpty>
            Nothing rendered yet. Objects appear after the policy is accepted
            and reconciled; see the conditions for what blocks it.
          </TableEmpty>
        }
      />
    </div>
  );
}
