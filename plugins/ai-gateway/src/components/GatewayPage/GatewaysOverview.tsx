import {
  EmptyState,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import RefreshIcon from '@material-ui/icons/Refresh';
import type {
  ApiGatewaySummary,
  ApiPolicySummary,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { aiGatewayApiRef } from '../../api';
import {
  ClusterUnreachable,
  conditionHealth,
  EntityLink,
  ErrorState,
  FirstPassRunning,
  isFirstPassRunning,
  LocalClusterBanner,
  RefreshFailed,
  StatusMark,
  statusHealth,
  TableEmpty,
  usePolledAsync,
} from '../shared';

const useStyles = makeStyles(theme => ({
  plain: { listStyle: 'none', margin: 0, padding: 0 },
  secondary: { color: theme.palette.text.secondary },
  toolbar: { display: 'flex', justifyContent: 'flex-end' },
}));

type GatewayRow = ApiGatewaySummary & { id: string };
type PolicyRow = ApiPolicySummary & { id: string; gatewayReachable: boolean };

const gatewayId = (g: { cluster: string; namespace: string; name: string }) =>
  `${g.cluster}/${g.namespace}/${g.name}`;

function GatewayName(props: { gateway: ApiGatewaySummary }) {
  const classes = useStyles();
  const { gateway } = props;
  return (
    <>
      {gateway.entity ? <EntityLink entity={gateway.entity} /> : gateway.name}
      <Typography variant="body2" className={classes.secondary}>
        {gateway.endpoint}
      </Typography>
    </>
  );
}

function GatewayConditions(props: { gateway: ApiGatewaySummary }) {
  const classes = useStyles();
  if (!props.gateway.reachable) {
    return (
      <StatusMark
        health="error"
        label="Cluster unreachable"
        title={props.gateway.error}
      />
    );
  }
  if (props.gateway.conditions.length === 0) {
    return <StatusMark health="pending" label="No conditions reported" />;
  }
  return (
    <ul
      className={classes.plain}
      aria-label={`Conditions of ${props.gateway.name}`}
    >
      {props.gateway.conditions.map(c => (
        <li key={c.type}>
          <StatusMark
            health={conditionHealth(c)}
            label={c.status === 'True' ? c.type : `${c.type}: ${c.reason}`}
            title={c.message}
          />
        </li>
      ))}
    </ul>
  );
}

function PolicyHealth(props: { policy: ApiPolicySummary }) {
  const { policy } = props;
  return (
    <StatusMark
      health={statusHealth(policy.programmed)}
      label={
        policy.programmed === 'True'
          ? 'Programmed'
          : `${policy.programmed === 'False' ? 'Not programmed' : 'Pending'}${
              policy.reason ? `: ${policy.reason}` : ''
            }`
      }
    />
  );
}

function GatewayPolicies(props: { gateway: ApiGatewaySummary }) {
  const classes = useStyles();
  if (props.gateway.policies.length === 0) {
    return <span className={classes.secondary}>No policies</span>;
  }
  return (
    <ul
      className={classes.plain}
      aria-label={`Policies on ${props.gateway.name}`}
    >
      {props.gateway.policies.map(p => (
        <li key={p.entity.entityRef}>
          <EntityLink entity={p.entity} />{' '}
          <span className={classes.secondary}>({p.kind})</span>
          <div>
            <PolicyHealth policy={p} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Distinct clusters matching a predicate, with the first error seen. */
function clusters(
  gateways: ApiGatewaySummary[],
  pick: (g: ApiGatewaySummary) => boolean,
) {
  const seen = new Map<string, string | undefined>();
  for (const g of gateways) {
    if (pick(g) && !seen.has(g.cluster)) seen.set(g.cluster, g.error);
  }
  return [...seen.entries()];
}

/** Gateways and their policies across clusters, loaded data. */
export function GatewaysView(props: {
  gateways: ApiGatewaySummary[];
  onRefresh?: () => void;
  /** No Gateway is listed because the backend's first reconcile pass is still running. */
  firstPassRunning?: boolean;
}) {
  const classes = useStyles();
  const { gateways } = props;
  const gatewayRows: GatewayRow[] = gateways.map(g => ({
    ...g,
    id: gatewayId(g),
  }));
  const policyRows: PolicyRow[] = gateways.flatMap(g =>
    g.policies.map(p => ({
      ...p,
      id: `${gatewayId(g)}/${p.entity.entityRef}`,
      gatewayReachable: g.reachable,
    })),
  );
  const gatewayColumns: TableColumn<GatewayRow>[] = [
    {
      title: 'Gateway',
      field: 'name',
      highlight: true,
      render: row => <GatewayName gateway={row} />,
    },
    { title: 'Cluster', field: 'cluster' },
    { title: 'Namespace', field: 'namespace' },
    { title: 'Health', render: row => <GatewayConditions gateway={row} /> },
    { title: 'Policies', render: row => <GatewayPolicies gateway={row} /> },
  ];
  const policyColumns: TableColumn<PolicyRow>[] = [
    {
      title: 'Policy',
      field: 'name',
      highlight: true,
      render: row => <EntityLink entity={row.entity} />,
    },
    { title: 'Kind', field: 'kind' },
    { title: 'Gateway', field: 'gateway' },
    { title: 'Cluster', field: 'cluster' },
    { title: 'Namespace', field: 'namespace' },
    {
      title: 'Health',
      render: row =>
        row.gatewayReachable ? (
          <PolicyHealth policy={row} />
        ) : (
          <StatusMark health="warning" label="Unknown: cluster unreachable" />
        ),
    },
  ];
  return (
    <Grid container spacing={3}>
      {props.onRefresh && (
        <Grid item xs={12} className={classes.toolbar}>
          <IconButton
            aria-label="Refresh gateways"
            title="Refresh"
            onClick={props.onRefresh}
          >
            <RefreshIcon />
          </IconButton>
        </Grid>
      )}
      {clusters(gateways, g => !!g.local).map(([cluster]) => (
        <Grid item xs={12} key={`local-${cluster}`}>
          <LocalClusterBanner cluster={cluster} />
        </Grid>
      ))}
      {clusters(gateways, g => !g.reachable).map(([cluster, error]) => (
        <Grid item xs={12} key={`down-${cluster}`}>
          <ClusterUnreachable cluster={cluster} error={error} />
        </Grid>
      ))}
      {gateways.length === 0 && props.firstPassRunning && (
        <Grid item xs={12}>
          <FirstPassRunning what="which Gateways the policies target" />
        </Grid>
      )}
      {gateways.length === 0 && !props.firstPassRunning && (
        <Grid item xs={12}>
          <EmptyState
            missing="data"
            title="No AI Gateways yet"
            description="The backend lists the Gateways that AI Gateway policies target in the configured clusters, and Resource entities of type ai-gateway. Create an AIRoutingPolicy and an AIAccessPolicy for a Gateway (the software templates do it), or register the Gateway as a Resource of type ai-gateway."
          />
        </Grid>
      )}
      {gateways.length > 0 && (
        <>
          <Grid item xs={12}>
            <div role="region" aria-label="Gateways">
              <Table<GatewayRow>
                title="Gateways"
                columns={gatewayColumns}
                data={gatewayRows}
                options={{
                  paging: gatewayRows.length > 20,
                  pageSize: 20,
                  search: false,
                  padding: 'dense',
                }}
              />
            </div>
          </Grid>
          <Grid item xs={12}>
            <div role="region" aria-label="Policies">
              <Table<PolicyRow>
                title="Policies"
                columns={policyColumns}
                data={policyRows}
                options={{
                  paging: policyRows.length > 20,
                  pageSize: 20,
                  search: false,
                  padding: 'dense',
                }}
                emptyContent={
                  <TableEmpty>
                    No policies target these Gateways. Agents cannot use them
                    until an AIAccessPolicy and an AIRoutingPolicy do.
                  </TableEmpty>
                }
              />
            </div>
          </Grid>
        </>
      )}
    </Grid>
  );
}

/** Loads the gateways, keeps them fresh in the background and renders every state. */
export function GatewaysOverview() {
  const api = useApi(aiGatewayApiRef);
  const { value, loading, error, updatedAt, retry } =
    usePolledAsync(async () => {
      const gateways = await api.getGateways();
      const firstPassRunning =
        gateways.length === 0 && (await isFirstPassRunning(api));
      return { gateways, firstPassRunning };
    }, [api]);
  if (loading) return <Progress aria-label="Loading gateways" />;
  if (error && !value) {
    return (
      <ErrorState
        error={error}
        notFoundTitle="The AI Gateway backend is not installed"
        notFoundDescription="The app could not find /api/ai-gateway. Add @kagenti/backstage-plugin-ai-gateway-backend to the backend and restart it."
      />
    );
  }
  return (
    <>
      {error && <RefreshFailed error={error} updatedAt={updatedAt} />}
      <GatewaysView
        gateways={value?.gateways ?? []}
        firstPassRunning={value?.firstPassRunning}
        onRefresh={retry}
      />
    </>
  );
}
