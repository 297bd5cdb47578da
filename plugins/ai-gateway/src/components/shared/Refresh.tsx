import { EmptyState } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { errorText, formatRelative } from './format';
import { StatusMark } from './StatusMark';

const useStyles = makeStyles(theme => ({
  notice: {
    display: 'block',
    color: theme.palette.text.secondary,
    marginBottom: theme.spacing(1),
  },
}));

/**
 * A background refresh failed: said in one quiet line above data that is still shown, with
 * when that data was loaded. The next refresh clears it.
 */
export function RefreshFailed(props: { error: Error; updatedAt?: Date }) {
  const classes = useStyles();
  const when = formatRelative(props.updatedAt?.toISOString());
  return (
    <Typography
      variant="caption"
      role="status"
      aria-label="Refresh failed"
      className={classes.notice}
    >
      <StatusMark health="warning" label="Could not refresh:" />{' '}
      {errorText(props.error).replace(/\.+$/, '')}. Showing what was loaded
      {when ? ` ${when}` : ' last'}; trying again in the background.
    </Typography>
  );
}

const FIRST_PASS_WORDS =
  'The AI Gateway backend started recently and has not finished its first reconcile pass over the clusters';

/**
 * In place of an empty answer while the backend's first reconcile pass runs. `what` completes
 * "it cannot tell yet …".
 */
export function FirstPassRunning(props: { what: string }) {
  return (
    <EmptyState
      missing="info"
      title="The first reconcile pass is still running"
      description={`${FIRST_PASS_WORDS}, so it cannot tell yet ${props.what}. This page updates by itself when the pass is done.`}
    />
  );
}

/** A banner above data the first reconcile pass has not confirmed yet. */
export function FirstPassBanner() {
  return (
    <Alert severity="info" role="status" aria-label="First reconcile pass">
      <AlertTitle>The first reconcile pass is still running</AlertTitle>
      {FIRST_PASS_WORDS}; what is shown here is what the catalog asks for, not
      yet what the cluster reports. This page updates by itself when the pass is
      done.
    </Alert>
  );
}
