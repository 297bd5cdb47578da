import { EmptyState, Progress } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import { ANNOTATIONS } from '@kagenti/backstage-plugin-ai-gateway-common';
import { aiGatewayApiRef } from '../../api';
import {
  ConditionsTable,
  ErrorState,
  FirstPassRunning,
  isFirstPassRunning,
  RefreshFailed,
  usePolledAsync,
} from '../shared';
import { GatewaysView } from './GatewaysOverview';

/** The AI Gateway tab of a Gateway's catalog Resource (type ai-gateway). */
export function GatewayEntityContent() {
  const { entity } = useEntity();
  const api = useApi(aiGatewayApiRef);
  const ref = stringifyEntityRef(entity);
  const { name } = entity.metadata;
  const namespace = entity.metadata.annotations?.[ANNOTATIONS.namespace];
  const cluster = entity.metadata.annotations?.[ANNOTATIONS.cluster];
  const { value, loading, error, updatedAt, retry } =
    usePolledAsync(async () => {
      const mine = (await api.getGateways()).filter(
        g =>
          g.entity?.entityRef === ref ||
          (!g.entity &&
            g.name === name &&
            g.namespace === namespace &&
            (!cluster || g.cluster === cluster)),
      );
      const firstPassRunning =
        mine.length === 0 && (await isFirstPassRunning(api));
      return { mine, firstPassRunning };
    }, [api, ref, name, namespace, cluster]);
  if (loading) return <Progress aria-label="Loading gateway" />;
  if (error && !value) {
    return (
      <ErrorState
        error={error}
        notFoundTitle="The AI Gateway backend is not installed"
        notFoundDescription="The app could not find /api/ai-gateway. Add @kagenti/backstage-plugin-ai-gateway-backend to the backend and restart it."
      />
    );
  }
  const mine = value?.mine ?? [];
  const notice = error && <RefreshFailed error={error} updatedAt={updatedAt} />;
  if (mine.length === 0 && value?.firstPassRunning) {
    return (
      <>
        {notice}
        <FirstPassRunning what="which policies target this Gateway" />
      </>
    );
  }
  if (mine.length === 0) {
    return (
      <>
        {notice}
        <EmptyState
          missing="info"
          title="No AI Gateway policies target this Gateway yet"
          description="Agents reach models through this Gateway once an AIAccessPolicy and an AIRoutingPolicy target it (targetRef.name is the Gateway's name, in the namespace of its backstage.io/kubernetes-namespace annotation). The software templates create both."
        />
      </>
    );
  }
  return (
    <Grid container spacing={3}>
      {notice && (
        <Grid item xs={12}>
          {notice}
        </Grid>
      )}
      <Grid item xs={12}>
        <GatewaysView gateways={mine} onRefresh={retry} />
      </Grid>
      {mine.map(g => (
        <Grid item xs={12} key={`${g.cluster}/${g.namespace}/${g.name}`}>
          <ConditionsTable
            title={
              mine.length > 1
                ? `Conditions of ${g.name} in ${g.cluster}`
                : 'Gateway conditions'
            }
            conditions={g.conditions}
          />
        </Grid>
      ))}
    </Grid>
  );
}
