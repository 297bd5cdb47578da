import { Table, TableColumn } from '@backstage/core-components';
import type { ApiCondition } from '@kagenti/backstage-plugin-ai-gateway-common';
import { conditionHealth, formatRelative } from './format';
import { StatusMark } from './StatusMark';
import { TableEmpty } from './TableEmpty';

type Row = ApiCondition & { source?: string; id: string };

/**
 * Kubernetes conditions: type, status with a good/bad/pending mark, reason,
 * message and age (relative, absolute time on hover).
 */
export function ConditionsTable(props: {
  title: string;
  conditions: Array<ApiCondition & { source?: string }>;
  showSource?: boolean;
  emptyMessage?: string;
}) {
  const rows: Row[] = props.conditions.map((c, i) => ({
    ...c,
    id: `${c.source ?? ''}/${c.type}/${i}`,
  }));
  const columns: TableColumn<Row>[] = [
    ...(props.showSource
      ? [{ title: 'Source', field: 'source' } as TableColumn<Row>]
      : []),
    { title: 'Type', field: 'type' },
    {
      title: 'Status',
      field: 'status',
      render: row => (
        <StatusMark health={conditionHealth(row)} label={row.status} />
      ),
    },
    { title: 'Reason', field: 'reason' },
    { title: 'Message', field: 'message', width: '40%' },
    {
      title: 'Age',
      field: 'lastTransitionTime',
      render: row =>
        row.lastTransitionTime ? (
          <span title={row.lastTransitionTime}>
            {formatRelative(row.lastTransitionTime)}
          </span>
        ) : (
          '—'
        ),
    },
  ];
  return (
    <div role="region" aria-label={props.title}>
      <Table<Row>
        title={props.title}
        columns={columns}
        data={rows}
        options={{ paging: false, search: false, padding: 'dense' }}
        emptyContent={
          <TableEmpty>
            {props.emptyMessage ??
              'No conditions reported yet: the reconciler has not written status for this object.'}
          </TableEmpty>
        }
      />
    </div>
  );
}
