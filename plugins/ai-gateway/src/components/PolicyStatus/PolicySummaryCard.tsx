import { InfoCard } from '@backstage/core-components';
import { makeStyles } from '@material-ui/core/styles';
import type { ReactNode } from 'react';
import type { ApiPolicyStatus } from '@kagenti/backstage-plugin-ai-gateway-common';
import { conditionHealth, StatusMark } from '../shared';

const useStyles = makeStyles(theme => ({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(1),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0 },
  },
}));

/** Where the policy lives and whether it is programmed, at a glance. */
export function PolicySummaryCard(props: {
  status: ApiPolicyStatus;
  actions?: ReactNode;
}) {
  const classes = useStyles();
  const { status } = props;
  const programmed = status.conditions.find(c => c.type === 'Programmed');
  return (
    <InfoCard title="Policy" variant="gridItem">
      <dl className={classes.grid} role="group" aria-label="Policy summary">
        <dt>Kind</dt>
        <dd>{status.kind}</dd>
        <dt>Gateway</dt>
        <dd>
          {status.namespace}/{status.gateway}
        </dd>
        <dt>Cluster</dt>
        <dd>{status.cluster}</dd>
        {status.generation !== undefined && (
          <>
            <dt>Generation</dt>
            <dd>{status.generation}</dd>
          </>
        )}
        <dt>Programmed</dt>
        <dd>
          {programmed ? (
            <StatusMark
              health={conditionHealth(programmed)}
              label={
                programmed.status === 'True'
                  ? 'Programmed'
                  : `${programmed.status}: ${programmed.reason}`
              }
              title={programmed.message}
            />
          ) : (
            <StatusMark health="pending" label="Not reported yet" />
          )}
        </dd>
      </dl>
      {props.actions}
    </InfoCard>
  );
}
