import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ApiPolicyStatus } from '@kagenti/backstage-plugin-ai-gateway-common';
import type { ReactNode } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiGatewayApiRef } from '../../api';
import { ACCESS_POLICY_KIND } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ClusterUnreachable,
  entityNamespace,
  ErrorState,
  LocalClusterBanner,
} from '../shared';
import { AccessPolicyView } from './AccessPolicyView';
import { PolicyActions } from './PolicyActions';
import { PolicySummaryCard } from './PolicySummaryCard';
import { RoutingPolicyView } from './RoutingPolicyView';

/** The body of a policy tab for loaded status. */
export function PolicyStatusView(props: {
  status: ApiPolicyStatus;
  actions?: ReactNode;
}) {
  const { status } = props;
  return (
    <Grid container spacing={3}>
      {status.local && (
        <Grid item xs={12}>
          <LocalClusterBanner cluster={status.cluster} />
        </Grid>
      )}
      {!status.reachable && (
        <Grid item xs={12}>
          <ClusterUnreachable cluster={status.cluster} error={status.error} />
        </Grid>
      )}
      {status.reachable && status.error && (
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
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getPolicyStatus(namespace, kind, name),
    [api, namespace, kind, name],
  );
  if (loading && !value) {
    return <Progress aria-label="Loading policy status" />;
  }
  if (error) {
    return (
      <ErrorState
        error={error}
        notFoundTitle="No status for this policy yet"
        notFoundDescription="The AI Gateway backend has not reconciled this policy. It does so on its schedule and shortly after catalog changes; if this persists, check that the entity passed catalog processing (see its catalog errors)."
      />
    );
  }
  if (!value) return null;
  return (
    <PolicyStatusView
      status={value}
      actions={
        <PolicyActions
          namespace={namespace}
          kind={kind}
          name={name}
          onReconciled={retry}
        />
      }
    />
  );
}
