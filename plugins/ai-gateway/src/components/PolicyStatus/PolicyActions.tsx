import { Table, TableColumn } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ApiDryRunResult } from '@kagenti/backstage-plugin-ai-gateway-common';
import { useState } from 'react';
import { aiGatewayApiRef } from '../../api';
import { errorText, Health, StatusMark, TableEmpty } from '../shared';

const useStyles = makeStyles(theme => ({
  actions: {
    display: 'flex',
    gap: theme.spacing(1),
    marginTop: theme.spacing(2),
  },
  problems: { margin: theme.spacing(1, 0, 2), paddingLeft: theme.spacing(2.5) },
}));

type DiffRow = ApiDryRunResult['diff'][number] & { id: string };

const ACTION: Record<DiffRow['action'], Health> = {
  create: 'warning',
  update: 'warning',
  delete: 'error',
  unchanged: 'ok',
};

function DryRunDialog(props: { result: ApiDryRunResult; onClose: () => void }) {
  const classes = useStyles();
  const { result } = props;
  const rows: DiffRow[] = result.diff.map(d => ({
    ...d,
    id: `${d.apiVersion}/${d.kind}/${d.name}`,
  }));
  const columns: TableColumn<DiffRow>[] = [
    { title: 'Kind', field: 'kind' },
    { title: 'Name', field: 'name' },
    {
      title: 'Change',
      render: row => (
        <>
          <StatusMark health={ACTION[row.action]} label={row.action} />
          {row.differences && row.differences.length > 0 && (
            <Typography variant="body2" color="textSecondary">
              {row.differences.join(', ')}
            </Typography>
          )}
        </>
      ),
    },
  ];
  return (
    <Dialog
      open
      onClose={props.onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="ai-gateway-dry-run-title"
    >
      <DialogTitle id="ai-gateway-dry-run-title">
        Dry run against the live cluster
      </DialogTitle>
      <DialogContent>
        <StatusMark
          health={result.valid ? 'ok' : 'error'}
          label={result.valid ? 'The policy is valid' : 'The policy is invalid'}
        />
        {result.problems.length > 0 && (
          <ul className={classes.problems} aria-label="Problems">
            {result.problems.map(p => (
              <li key={`${p.path}/${p.message}`}>
                <code>{p.path}</code>: {p.message}
              </li>
            ))}
          </ul>
        )}
        <div role="region" aria-label="Changes">
          <Table<DiffRow>
            title="Changes a reconcile would make"
            columns={columns}
            data={rows}
            options={{ paging: false, search: false, padding: 'dense' }}
            emptyContent={<TableEmpty>Nothing would be rendered.</TableEmpty>}
          />
        </div>
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} aria-label="Close dry run">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * Dry run (render and diff against the cluster, no writes) and reconcile now.
 * The backend checks the permission; a refusal is reported, not hidden.
 */
export function PolicyActions(props: {
  namespace: string;
  kind: string;
  name: string;
  onReconciled?: () => void;
}) {
  const classes = useStyles();
  const api = useApi(aiGatewayApiRef);
  const alertApi = useApi(alertApiRef);
  const [busy, setBusy] = useState<'dry-run' | 'reconcile' | undefined>();
  const [dryRun, setDryRun] = useState<ApiDryRunResult | undefined>();
  const { namespace, kind, name } = props;

  const runDryRun = async () => {
    setBusy('dry-run');
    try {
      setDryRun(await api.dryRunPolicy(namespace, kind, name));
    } catch (e) {
      alertApi.post({
        message: `Dry run failed: ${errorText(e)}`,
        severity: 'error',
      });
    } finally {
      setBusy(undefined);
    }
  };

  const reconcile = async () => {
    setBusy('reconcile');
    try {
      const r = await api.reconcilePolicy(namespace, kind, name);
      alertApi.post({
        message: `Reconciled ${name}: ${r.applied} applied, ${r.pruned} pruned, ${r.unchanged} unchanged`,
        severity: 'success',
        display: 'transient',
      });
      props.onReconciled?.();
    } catch (e) {
      alertApi.post({
        message: `Reconcile failed: ${errorText(e)}`,
        severity: 'error',
      });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <div className={classes.actions}>
      <Button
        variant="outlined"
        onClick={runDryRun}
        disabled={!!busy}
        aria-label={`Dry run ${name}`}
      >
        {busy === 'dry-run' ? 'Running…' : 'Dry run'}
      </Button>
      <Button
        variant="contained"
        color="primary"
        onClick={reconcile}
        disabled={!!busy}
        aria-label={`Reconcile ${name} now`}
      >
        {busy === 'reconcile' ? 'Reconciling…' : 'Reconcile now'}
      </Button>
      {dryRun && (
        <DryRunDialog result={dryRun} onClose={() => setDryRun(undefined)} />
      )}
    </div>
  );
}
