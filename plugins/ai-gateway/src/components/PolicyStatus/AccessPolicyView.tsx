import { InfoCard, Table, TableColumn } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ApiPolicyStatus } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  conditionHealth,
  ConditionsTable,
  formatRelative,
  Health,
  StatusMark,
  TableEmpty,
} from '../shared';
import { RenderedObjectsTable } from './RenderedObjectsTable';

const DAY = 24 * 3600 * 1000;

const useStyles = makeStyles(theme => ({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(1),
    margin: theme.spacing(2, 0, 0),
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0 },
  },
}));

/** Expired is bad, within a week is a warning: SPIRE should have rotated. */
export function expiryHealth(
  iso: string | undefined,
  now = Date.now(),
): Health {
  if (!iso) return 'pending';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 'pending';
  if (at <= now) return 'error';
  if (at - now < 7 * DAY) return 'warning';
  return 'ok';
}

function TrustBundleCard(props: { status: ApiPolicyStatus }) {
  const classes = useStyles();
  const { bundle } = props.status;
  const ready = props.status.conditions.find(c => c.type === 'BundleReady');
  let health: Health = ready ? conditionHealth(ready) : 'pending';
  if (health === 'ok' && bundle) {
    const exp = expiryHealth(bundle.earliestExpiry);
    if (exp !== 'ok' && exp !== 'pending') health = exp;
  }
  let label = 'Not reported yet';
  if (ready) label = ready.status === 'True' ? 'Loaded' : ready.reason;
  return (
    <InfoCard title="Trust bundle" variant="gridItem">
      <StatusMark health={health} label={label} />
      {ready?.message && (
        <Typography variant="body2" color="textSecondary">
          {ready.message}
        </Typography>
      )}
      <dl className={classes.grid} role="group" aria-label="Trust bundle">
        <dt>Trust domain</dt>
        <dd>{props.status.trustDomain ?? '—'}</dd>
        <dt>Certificates</dt>
        <dd>{bundle ? bundle.certificates : '—'}</dd>
        <dt>Earliest expiry</dt>
        <dd>
          {bundle?.earliestExpiry ? (
            <span title={bundle.earliestExpiry}>
              {new Date(bundle.earliestExpiry).toUTCString()} (
              {formatRelative(bundle.earliestExpiry)})
            </span>
          ) : (
            '—'
          )}
        </dd>
        <dt>Sequence</dt>
        <dd>{bundle?.sequence ?? '—'}</dd>
      </dl>
    </InfoCard>
  );
}

type SubjectRow = { id: string; match: string; value: string };

function AllowedSubjectsTable(props: { status: ApiPolicyStatus }) {
  const subjects = props.status.allowedSubjects ?? [];
  const rows: SubjectRow[] = subjects.map((s, i) => ({
    id: String(i),
    match: s.spiffeId ? 'Exact' : 'Prefix',
    value: (s.spiffeId ?? s.spiffeIdPrefix) as string,
  }));
  const columns: TableColumn<SubjectRow>[] = [
    { title: 'Match', field: 'match' },
    {
      title: 'SPIFFE ID',
      field: 'value',
      render: row => <code>{row.value}</code>,
    },
  ];
  const td = props.status.trustDomain;
  return (
    <div role="region" aria-label="Allowed subjects">
      <Table<SubjectRow>
        title="Allowed subjects"
        columns={columns}
        data={rows}
        options={{ paging: false, search: false, padding: 'dense' }}
        emptyContent={
          <TableEmpty>
            No allow-list: every workload with an SVID from the trust domain
            {td ? ` (spiffe://${td}/)` : ''} is admitted.
          </TableEmpty>
        }
      />
    </div>
  );
}

/** An AIAccessPolicy: trust bundle health, subjects, conditions, objects. */
export function AccessPolicyView(props: { status: ApiPolicyStatus }) {
  return (
    <>
      <Grid item xs={12} md={6}>
        <TrustBundleCard status={props.status} />
      </Grid>
      <Grid item xs={12} md={6}>
        <AllowedSubjectsTable status={props.status} />
      </Grid>
      <Grid item xs={12}>
        <ConditionsTable
          title="Conditions"
          conditions={props.status.conditions}
        />
      </Grid>
      <Grid item xs={12}>
        <RenderedObjectsTable objects={props.status.objects} />
      </Grid>
    </>
  );
}
