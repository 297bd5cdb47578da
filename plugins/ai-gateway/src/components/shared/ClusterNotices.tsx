import { WarningPanel } from '@backstage/core-components';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';

/** Says plainly that the data comes from the local development server. */
export function LocalClusterBanner(props: { cluster: string }) {
  return (
    <Alert severity="info" role="status" aria-label="Local development cluster">
      <AlertTitle>Local development cluster</AlertTitle>
      Cluster <strong>{props.cluster}</strong> is the project's local Kubernetes
      server for development and demos, not a real cluster. Nothing here reaches
      production; point the AI Gateway backend at a real cluster in the app
      configuration to govern real traffic.
    </Alert>
  );
}

/** A cluster the backend could not reach: name it and show the error. */
export function ClusterUnreachable(props: { cluster: string; error?: string }) {
  return (
    <WarningPanel
      severity="error"
      title={`Cluster "${props.cluster}" is unreachable`}
      defaultExpanded
      message={
        <>
          {props.error ?? 'The backend could not connect to the cluster.'}
          <br />
          What is shown from this cluster may be missing or out of date. Check
          that the cluster is up and that the Backstage backend can reach its
          API server with valid credentials.
        </>
      }
    />
  );
}
