import { CodeSnippet, InfoCard } from '@backstage/core-components';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ApiAgentGatewayAccess } from '@kagenti/backstage-plugin-ai-gateway-common';

/** Where the SPIFFE helper writes the agent's X.509-SVID in the pod. */
export const SVID_DIR = '/run/spire/svids';

const useStyles = makeStyles(theme => ({
  paragraph: { marginBottom: theme.spacing(1.5) },
  secondary: { color: theme.palette.text.secondary },
}));

export function chatCompletionsUrl(endpoint: string) {
  return `${endpoint.replace(/\/+$/, '')}/v1/chat/completions`;
}

export function requestBody(model: string) {
  return JSON.stringify(
    {
      model,
      messages: [{ role: 'user', content: 'Say hello in one sentence.' }],
    },
    null,
    2,
  );
}

export function curlCommand(endpoint: string, model: string) {
  return [
    `curl ${chatCompletionsUrl(endpoint)} \\`,
    `  --cert ${SVID_DIR}/svid.pem \\`,
    `  --key ${SVID_DIR}/svid_key.pem \\`,
    `  --cacert ${SVID_DIR}/bundle.pem \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'Say hello in one sentence.' }],
    })}'`,
  ].join('\n');
}

/** Choose the Gateway and model to show: admitted, with a ready model if any. */
export function pickExample(gateways: ApiAgentGatewayAccess[]) {
  const admitted = gateways.filter(g => g.admitted && g.models.length > 0);
  for (const g of admitted) {
    const ready = g.models.find(m => m.ready);
    if (ready) return { gateway: g.gateway, model: ready.name };
  }
  const first = admitted[0];
  return first
    ? { gateway: first.gateway, model: first.models[0].name }
    : undefined;
}

/** How the agent calls the Gateway: mTLS with its SVID, no API key. */
export function HowToCallCard(props: {
  gateways: ApiAgentGatewayAccess[];
  /** The backend's first reconcile pass is still running: admission is not known yet. */
  notKnownYet?: boolean;
}) {
  const classes = useStyles();
  const example = pickExample(props.gateways);
  return (
    <InfoCard title="How to call the gateway" variant="gridItem">
      {example ? (
        <>
          <Typography variant="body2" className={classes.paragraph}>
            The agent needs no API key: it presents its X.509-SVID and the
            Gateway admits it by its SPIFFE ID. The request is
            OpenAI-compatible; the <code>model</code> field selects the route.
          </Typography>
          <TextField
            id="ai-gateway-endpoint-url"
            label="Endpoint URL"
            value={chatCompletionsUrl(example.gateway.endpoint)}
            InputProps={{ readOnly: true }}
            variant="outlined"
            size="small"
            fullWidth
            className={classes.paragraph}
          />
          <Typography variant="subtitle2" component="h3">
            From the agent's pod
          </Typography>
          <CodeSnippet
            language="bash"
            text={curlCommand(example.gateway.endpoint, example.model)}
            showCopyCodeButton
            wrapLongLines
          />
          <Typography variant="subtitle2" component="h3">
            Request body
          </Typography>
          <CodeSnippet
            language="json"
            text={requestBody(example.model)}
            showCopyCodeButton
          />
          <Typography variant="body2" className={classes.secondary}>
            The SVID files are written to <code>{SVID_DIR}</code> by the SPIFFE
            helper. <code>--cacert</code> must verify the Gateway's server
            certificate: use the SPIRE bundle when the Gateway's certificate is
            issued by SPIRE, otherwise the CA of the access policy's server
            certificate.
          </Typography>
        </>
      ) : (
        <Typography variant="body2" className={classes.secondary}>
          {props.notKnownYet
            ? 'Nothing to show yet: the AI Gateway backend is still running its first reconcile pass. The endpoint and an example request appear here when it is done, if a Gateway admits this agent with a model.'
            : 'Nothing to call yet: no Gateway admits this agent with a model. Once an access policy admits its SPIFFE ID and a routing policy exposes a model, the endpoint and an example request appear here.'}
        </Typography>
      )}
    </InfoCard>
  );
}
