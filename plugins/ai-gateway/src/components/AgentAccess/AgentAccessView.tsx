import { EmptyState } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import type { ApiAgentAccess } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ClusterUnreachable,
  FirstPassRunning,
  LocalClusterBanner,
} from '../shared';
import { AgentConditionsCard } from './AgentConditionsCard';
import { HowToCallCard } from './HowToCallCard';
import { ModelAccessTable } from './ModelAccessTable';
import { SpiffeIdentityCard } from './SpiffeIdentityCard';

/**
 * The AI Access tab's body for loaded data. `firstPassRunning` turns "no Gateway admits this
 * agent" into "not known yet" while the backend's first reconcile pass runs.
 */
export function AgentAccessView(props: {
  access: ApiAgentAccess;
  firstPassRunning?: boolean;
}) {
  const { access } = props;
  const unreachable = access.gateways.filter(g => !g.gateway.reachable);
  const notKnownYet = access.gateways.length === 0 && !!props.firstPassRunning;
  return (
    <Grid container spacing={3} alignItems="stretch">
      {access.local && (
        <Grid item xs={12}>
          <LocalClusterBanner cluster={access.cluster} />
        </Grid>
      )}
      {unreachable.map(g => (
        <Grid item xs={12} key={`${g.gateway.cluster}/${g.gateway.name}`}>
          <ClusterUnreachable
            cluster={g.gateway.cluster}
            error={g.gateway.error}
          />
        </Grid>
      ))}
      <Grid item xs={12} md={5}>
        <SpiffeIdentityCard
          identity={access.identity}
          gateways={access.gateways}
          notKnownYet={notKnownYet}
        />
      </Grid>
      <Grid item xs={12} md={7}>
        <HowToCallCard gateways={access.gateways} notKnownYet={notKnownYet} />
      </Grid>
      {notKnownYet && (
        <Grid item xs={12}>
          <FirstPassRunning what="which Gateways admit this agent" />
        </Grid>
      )}
      {access.gateways.length === 0 && !notKnownYet && (
        <Grid item xs={12}>
          <EmptyState
            missing="info"
            title="No AI Gateway admits this agent yet"
            description={`No Gateway in cluster "${access.cluster}" has an AIAccessPolicy that admits ${access.identity.spiffeId}. Ask your platform team for an AIAccessPolicy whose trust domain (and allowed subjects, if any) include this SPIFFE ID, and an AIRoutingPolicy on the same Gateway that exposes the models you need; both can be created from the software templates.`}
          />
        </Grid>
      )}
      {access.gateways.length > 0 && (
        <>
          <Grid item xs={12}>
            <ModelAccessTable gateways={access.gateways} />
          </Grid>
          <Grid item xs={12}>
            <AgentConditionsCard gateways={access.gateways} />
          </Grid>
        </>
      )}
    </Grid>
  );
}
