import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import { makeStyles } from '@material-ui/core/styles';
import type { Health } from './format';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'inline-flex',
    alignItems: 'baseline',
    whiteSpace: 'nowrap',
    color: theme.palette.text.primary,
  },
}));

const ICONS = {
  ok: StatusOK,
  error: StatusError,
  pending: StatusPending,
  warning: StatusWarning,
};

/**
 * A status icon with a visible label. Backstage's status components hide their
 * content from assistive technology, so the label is rendered beside them.
 */
export function StatusMark(props: {
  health: Health;
  label: string;
  title?: string;
}) {
  const classes = useStyles();
  const Icon = ICONS[props.health];
  return (
    <span
      className={classes.root}
      title={props.title}
      data-health={props.health}
    >
      <Icon />
      <span>{props.label}</span>
    </span>
  );
}
