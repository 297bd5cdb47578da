import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  ApiModelAccess,
  ApiModelBackend,
  ApiRateLimit,
  EntityRefInfo,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { formatLimit } from './format';
import { StatusMark } from './StatusMark';

const useStyles = makeStyles(theme => ({
  list: {
    margin: 0,
    paddingLeft: theme.spacing(2.5),
  },
  plain: {
    margin: 0,
    padding: 0,
    listStyle: 'none',
  },
  secondary: {
    color: theme.palette.text.secondary,
  },
}));

/** Backends in the order traffic tries them: priority, then weight. */
export function orderBackends(backends: ApiModelBackend[]): ApiModelBackend[] {
  return [...backends].sort(
    (a, b) => a.priority - b.priority || b.weight - a.weight,
  );
}

function priorityLabel(priority: number) {
  return priority === 0 ? 'primary' : `fallback ${priority}`;
}

/** The provider chain of one model, in priority order with weights. */
export function ProviderChain(props: { backends: ApiModelBackend[] }) {
  const classes = useStyles();
  const ordered = orderBackends(props.backends);
  const totals = new Map<number, number>();
  for (const b of ordered) {
    totals.set(b.priority, (totals.get(b.priority) ?? 0) + b.weight);
  }
  if (ordered.length === 0) return <>—</>;
  return (
    <ol className={classes.list} aria-label="Provider chain">
      {ordered.map(b => {
        const total = totals.get(b.priority) ?? b.weight;
        const share =
          total > b.weight
            ? `, weight ${b.weight} (${Math.round((b.weight / total) * 100)}%)`
            : `, weight ${b.weight}`;
        return (
          <li key={`${b.provider}/${b.model}/${b.priority}`}>
            <strong>{b.provider}</strong> → {b.model}{' '}
            <span className={classes.secondary}>
              ({b.schema}; {priorityLabel(b.priority)}
              {share})
            </span>
            {b.ready === false && (
              <>
                {' '}
                <StatusMark health="error" label="not ready" />
              </>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** Token and request limits with their windows; "unlimited" when none. */
export function LimitsList(props: { limits: ApiRateLimit[] }) {
  const classes = useStyles();
  if (props.limits.length === 0) {
    return <span className={classes.secondary}>No limit</span>;
  }
  return (
    <ul className={classes.plain} aria-label="Limits">
      {props.limits.map(l => (
        <li key={`${l.kind}/${l.window}/${l.tokenCountMode ?? ''}`}>
          {formatLimit(l)}
        </li>
      ))}
    </ul>
  );
}

export function ModelReady(props: { model: ApiModelAccess }) {
  const classes = useStyles();
  return (
    <>
      <StatusMark
        health={props.model.ready ? 'ok' : 'error'}
        label={props.model.ready ? 'Ready' : 'Not ready'}
      />
      {props.model.message && (
        <Typography variant="body2" className={classes.secondary}>
          {props.model.message}
        </Typography>
      )}
    </>
  );
}

export function FailoverText(props: { failover?: ApiModelAccess['failover'] }) {
  if (!props.failover) return <>—</>;
  return (
    <>
      up to {props.failover.maxRetries} retr
      {props.failover.maxRetries === 1 ? 'y' : 'ies'} on{' '}
      {props.failover.retryOn.join(', ')}
    </>
  );
}

/** A link to a catalog entity, labelled with its title or name. */
export function EntityLink(props: { entity: EntityRefInfo }) {
  return (
    <EntityRefLink entityRef={props.entity.entityRef} hideIcon>
      {props.entity.title ?? props.entity.name}
    </EntityRefLink>
  );
}
