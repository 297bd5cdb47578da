import { InfoCard } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  ApiAgentGatewayAccess,
  ApiAgentIdentity,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { EntityLink, StatusMark, trustDomainOf } from '../shared';

const useStyles = makeStyles(theme => ({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(1),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0, wordBreak: 'break-all' },
  },
  admissions: {
    listStyle: 'none',
    margin: theme.spacing(2, 0, 0),
    padding: 0,
    '& li + li': { marginTop: theme.spacing(1) },
  },
  reason: { color: theme.palette.text.secondary },
  heading: { marginTop: theme.spacing(2) },
}));

/** Who the agent is on the mesh, and which Gateway lets it in (or why not). */
export function SpiffeIdentityCard(props: {
  identity: ApiAgentIdentity;
  gateways: ApiAgentGatewayAccess[];
  /** The backend's first reconcile pass is still running: admission is not known yet. */
  notKnownYet?: boolean;
}) {
  const classes = useStyles();
  const { identity } = props;
  const trustDomain = identity.trustDomain ?? trustDomainOf(identity.spiffeId);
  return (
    <InfoCard title="SPIFFE identity" variant="gridItem">
      <dl className={classes.grid} role="group" aria-label="SPIFFE identity">
        <dt>SPIFFE ID</dt>
        <dd>
          <code>{identity.spiffeId}</code>
        </dd>
        <dt>Trust domain</dt>
        <dd>{trustDomain ?? '—'}</dd>
        <dt>Namespace</dt>
        <dd>{identity.namespace}</dd>
        <dt>Service account</dt>
        <dd>{identity.serviceAccount}</dd>
      </dl>
      <Typography
        variant="subtitle2"
        component="h3"
        className={classes.heading}
      >
        Admission
      </Typography>
      {props.gateways.length === 0 && props.notKnownYet && (
        <Typography variant="body2" className={classes.reason}>
          Not known yet: the AI Gateway backend is still running its first
          reconcile pass.
        </Typography>
      )}
      {props.gateways.length === 0 && !props.notKnownYet && (
        <Typography variant="body2" className={classes.reason}>
          No Gateway has an access policy that covers this identity.
        </Typography>
      )}
      {props.gateways.length > 0 && (
        <ul className={classes.admissions} aria-label="Admission by gateway">
          {props.gateways.map(g => (
            <li
              key={`${g.gateway.cluster}/${g.gateway.namespace}/${g.gateway.name}`}
            >
              {g.admitted ? (
                <StatusMark
                  health="ok"
                  label={`Admitted to ${g.gateway.name}`}
                />
              ) : (
                <StatusMark
                  health="error"
                  label={`Not admitted to ${g.gateway.name}`}
                />
              )}
              {g.accessPolicy && (
                <Typography variant="body2" component="div">
                  {g.admitted ? 'by' : 'refused by'} access policy{' '}
                  <EntityLink entity={g.accessPolicy} />
                </Typography>
              )}
              {!g.admitted && (
                <Typography variant="body2" className={classes.reason}>
                  {g.reason ?? 'No reason was given by the backend.'}
                </Typography>
              )}
            </li>
          ))}
        </ul>
      )}
    </InfoCard>
  );
}
