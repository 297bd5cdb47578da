import { Table, TableColumn } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import type {
  ApiModelAccess,
  ApiPolicyStatus,
  ApiProviderInfo,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ConditionsTable,
  FailoverText,
  LimitsList,
  ModelReady,
  ProviderChain,
  StatusMark,
  TableEmpty,
} from '../shared';
import { RenderedObjectsTable } from './RenderedObjectsTable';

type ProviderRow = ApiProviderInfo & { id: string };
type ModelRow = ApiModelAccess & { id: string };

function ProvidersTable(props: { providers: ApiProviderInfo[] }) {
  const rows: ProviderRow[] = props.providers.map(p => ({ ...p, id: p.name }));
  const columns: TableColumn<ProviderRow>[] = [
    { title: 'Provider', field: 'name', highlight: true },
    { title: 'Schema', field: 'schema' },
    { title: 'Endpoint', field: 'endpoint' },
    {
      title: 'Credentials',
      render: row =>
        row.credentials ? (
          <>
            {row.credentials.type}
            {row.credentials.secretName ? (
              <Typography variant="body2" color="textSecondary">
                Secret {row.credentials.secretName}
              </Typography>
            ) : (
              <Typography variant="body2" color="textSecondary">
                no Secret (workload identity)
              </Typography>
            )}
          </>
        ) : (
          'None'
        ),
    },
    {
      title: 'Ready',
      render: row => (
        <>
          {row.ready === undefined ? (
            <StatusMark health="pending" label="Not reported" />
          ) : (
            <StatusMark
              health={row.ready ? 'ok' : 'error'}
              label={row.ready ? 'Ready' : 'Not ready'}
            />
          )}
          {row.message && (
            <Typography variant="body2" color="textSecondary">
              {row.message}
            </Typography>
          )}
        </>
      ),
    },
  ];
  return (
    <div role="region" aria-label="Providers">
      <Table<ProviderRow>
        title="Providers"
        subtitle="Credentials are shown by type and Secret name only; their values never leave the backend"
        columns={columns}
        data={rows}
        options={{ paging: false, search: false, padding: 'dense' }}
        emptyContent={
          <TableEmpty>This policy declares no providers.</TableEmpty>
        }
      />
    </div>
  );
}

function ModelsTable(props: { models: ApiModelAccess[] }) {
  const rows: ModelRow[] = props.models.map(m => ({ ...m, id: m.name }));
  const columns: TableColumn<ModelRow>[] = [
    { title: 'Model', field: 'name', highlight: true },
    {
      title: 'Provider chain',
      render: row => <ProviderChain backends={row.backends} />,
    },
    { title: 'Limits', render: row => <LimitsList limits={row.limits} /> },
    {
      title: 'Failover',
      render: row => <FailoverText failover={row.failover} />,
    },
    { title: 'Ready', render: row => <ModelReady model={row} /> },
  ];
  return (
    <div role="region" aria-label="Models">
      <Table<ModelRow>
        title="Models"
        columns={columns}
        data={rows}
        options={{ paging: false, search: false, padding: 'dense' }}
        emptyContent={
          <TableEmpty>
            This policy exposes no models. Add entries under spec.models, each
            with at least one backend.
          </TableEmpty>
        }
      />
    </div>
  );
}

/** An AIRoutingPolicy: providers, models, limits, conditions, objects. */
export function RoutingPolicyView(props: { status: ApiPolicyStatus }) {
  const { status } = props;
  return (
    <>
      <Grid item xs={12}>
        <ProvidersTable providers={status.providers ?? []} />
      </Grid>
      <Grid item xs={12}>
        <ModelsTable models={status.models ?? []} />
      </Grid>
      <Grid item xs={12}>
        <ConditionsTable title="Conditions" conditions={status.conditions} />
      </Grid>
      <Grid item xs={12}>
        <RenderedObjectsTable objects={status.objects} />
      </Grid>
    </>
  );
}
