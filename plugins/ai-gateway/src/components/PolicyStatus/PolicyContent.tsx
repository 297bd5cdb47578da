import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ApiPolicyStatus } from '@kagenti/backstage-plugin-ai-gateway-common';
import type { ReactNode } from 'react';
import { aiGatewayApiRef } from '../../api';
import { ACCESS_POLICY_KIND } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ClusterUnreachable,
  entityNamespace,
  ErrorState,
  FirstPassBanner,
  FirstPassRunning,
  isFirstPassRunning,
  LocalClusterBanner,
  RefreshFailed,
  usePolledAsync,
} from '../shared';
import { AccessPolicyView } from './AccessPolicyView';
import { PolicyActions } from './PolicyActions';
import { PolicySummaryCard } from './PolicySummaryCard';
import { RoutingPolicyView } from './RoutingPolicyView';

/**
 * The body of a policy tab for loaded status. `firstPassRunning`: the backend has not finished
 * its first reconcile pass, so the status is the catalog's ask only; said plainly instead of
 * "cluster unreachable" or "status incomplete", which would be misleading then.
 */
export function PolicyStatusView(props: {
  status: ApiPolicyStatus;
  actions?: ReactNode;
  firstPassRunning?: boolean;
}) {
  const { status, firstPassRunning } = props;
  return (
    <Grid container spacing={3}>
      {status.local && (
        <Grid item xs={12}>
          <LocalClusterBanner cluster={status.cluster} />
        </Grid>
      )}
      {firstPassRunning && (
        <Grid item xs={12}>
          <FirstPassBanner />
        </Grid>
      )}
      {!firstPassRunning && !status.reachable && (
        <Grid item xs={12}>
          <ClusterUnreachable cluster={status.cluster} error={status.error} />
        </Grid>
      )}
      {!firstPassRunning && status.reachable && status.error && (
        <Grid item xs={12}>
          <Alert
            severity="warning"
            role="status"
            aria-label="Status incomplete"
          >
            <AlertTitle>Status is incomplete</AlertTitle>
            {status.error}
          </Alert>
        </Grid>
      )}
      <Grid item xs={12} md={6}>
        <PolicySummaryCard status={status} actions={props.actions} />
      </Grid>
      {status.kind === ACCESS_POLICY_KIND ? (
        <AccessPolicyView status={status} />
      ) : (
        <RoutingPolicyView status={status} />
      )}
    </Grid>
  );
}

/** The AI Gateway tab of an AIRoutingPolicy or AIAccessPolicy entity. */
export function PolicyContent() {
  const { entity } = useEntity();
  const api = useApi(aiGatewayApiRef);
  const namespace = entityNamespace(entity);
  const { kind } = entity;
  const { name } = entity.metadata;
  const { value, loading, error, updatedAt, retry } =
    usePolledAsync(async () => {
      try {
        const status = await api.getPolicyStatus(namespace, kind, name);
        // Nothing reported from the cluster yet: maybe because no pass has run at all.
        const firstPassRunning =
          status.conditions.length === 0 &&
          status.objects.length === 0 &&
          (await isFirstPassRunning(api));
        return { status, firstPassRunning };
      } catch (e) {
        if (
          (e as { statusCode?: number }).statusCode === 404 &&
          (await isFirstPassRunning(api))
        ) {
          return { status: undefined, firstPassRunning: true };
        }
        throw e;
      }
    }, [api, namespace, kind, name]);
  if (loading) {
    return <Progress aria-label="Loading policy status" />;
  }
  if (!value) {
    if (!error) return null;
    return (
      <ErrorState
        error={error}
        notFoundTitle="No status for this policy yet"
        notFoundDescription="The AI Gateway backend has not reconciled this policy. It does so on its schedule and shortly after catalog changes; if this persists, check that the entity passed catalog processing (see its catalog errors)."
      />
    );
  }
  const notice = error && <RefreshFailed error={error} updatedAt={updatedAt} />;
  if (!value.status) {
    return (
      <>
        {notice}
        <FirstPassRunning what="this policy's status" />
      </>
    );
  }
  return (
    <>
      {notice}
      <PolicyStatusView
        status={value.status}
        firstPassRunning={value.firstPassRunning}
        actions={
          <PolicyActions
            namespace={namespace}
            kind={kind}
            name={name}
            onReconciled={retry}
          />
        }
      />
    </>
  );
}
