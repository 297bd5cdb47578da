import { InfoCard, Progress } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ErrorState, LimitsList, RefreshFailed, StatusMark } from '../shared';
import { modelRows } from './ModelAccessTable';
import { useAgentAccess } from './useAgentAccess';

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: 0 },
  item: {
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
    padding: theme.spacing(1, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
  secondary: { color: theme.palette.text.secondary },
}));

/** A compact model list for the agent's overview page. */
export function ModelAccessCard() {
  const classes = useStyles();
  const { entity } = useEntity();
  const { value, loading, error, updatedAt, firstPassRunning } =
    useAgentAccess(entity);
  let body;
  if (loading) {
    body = <Progress aria-label="Loading AI models" />;
  } else if (error && !value) {
    body = (
      <ErrorState
        error={error}
        notFoundTitle="Not known to the AI Gateway yet"
        notFoundDescription="The backend picks this agent up after the next catalog refresh."
      />
    );
  } else {
    const rows = modelRows(value?.gateways ?? []);
    let empty = (
      <Typography variant="body2" className={classes.secondary}>
        This agent cannot call any model yet. Open the AI Access tab to see why.
      </Typography>
    );
    if (firstPassRunning) {
      empty = (
        <Typography variant="body2" className={classes.secondary}>
          Not known yet: the AI Gateway backend is still running its first
          reconcile pass. The models show here when it is done.
        </Typography>
      );
    }
    body =
      rows.length === 0 ? (
        empty
      ) : (
        <ul className={classes.list} aria-label="AI models">
          {rows.map(row => (
            <li key={row.id} className={classes.item}>
              <div>
                <StatusMark
                  health={row.ready ? 'ok' : 'error'}
                  label={row.name}
                  title={row.ready ? 'Ready' : row.message ?? 'Not ready'}
                />
                <Typography variant="body2" className={classes.secondary}>
                  via {row.gatewayLabel}
                </Typography>
              </div>
              <LimitsList limits={row.limits} />
            </li>
          ))}
        </ul>
      );
  }
  return (
    <InfoCard title="AI models" variant="gridItem">
      {value?.local && (
        <Typography variant="caption" className={classes.secondary}>
          From the local development cluster "{value.cluster}".
        </Typography>
      )}
      {error && value && <RefreshFailed error={error} updatedAt={updatedAt} />}
      {body}
    </InfoCard>
  );
}
