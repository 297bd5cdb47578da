/* `yarn kube-server`: runs the server in the foreground until SIGINT/SIGTERM. */
import fs from 'node:fs';
import path from 'node:path';
import { defaultCrdDirs, KubeServerOptions } from './KubeServer';
import { startKubeServer } from './startKubeServer';

const USAGE = `Usage: yarn kube-server [options]

A Kubernetes API server for development and tests (like kwok or envtest). Not a cluster: nothing runs.

Options:
  --port PORT          port on 127.0.0.1 (default 6443; 0 picks a free one)
  --kubeconfig FILE    write a kubeconfig for kubectl and @kubernetes/client-node (default .kube-server/kubeconfig)
  --https              serve HTTPS with a generated certificate (needed for kubectl to send tokens)
  --ca-file FILE       with --https, also write the CA certificate (PEM) to FILE
  --token T            bearer token of the full-access user (default: random)
  --admin-token T      token for /admin/faults (default: random, printed)
  --simulate           run the simulated Gateway / Envoy AI Gateway / Envoy Gateway controllers
  --demo               seed the demo objects (team1, spire-system, Gateway, bundle, agents)
  --data FILE          persist objects to FILE and load them at start
  --crds DIR           load CRDs from DIR (repeatable; replaces the defaults)
  --no-default-crds    load no CRDs at start unless --crds is given
  --seed N             seed for fault injection
  --verbose            log every request
  --help               show this help
`;

export function parseArgs(argv: string[]): KubeServerOptions & {
  kubeconfig?: string;
  caFile?: string;
  help?: boolean;
} {
  const o: KubeServerOptions & {
    kubeconfig?: string;
    caFile?: string;
    help?: boolean;
  } = {
    port: 6443,
  };
  const crds: string[] = [];
  let noDefault = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        o.port = Number(value());
        break;
      case '--kubeconfig':
        o.kubeconfig = value();
        break;
      case '--https':
        o.https = true;
        break;
      case '--ca-file':
        o.caFile = value();
        break;
      case '--token':
        o.token = value();
        break;
      case '--admin-token':
        o.adminToken = value();
        break;
      case '--simulate':
        o.simulate = true;
        break;
      case '--demo':
        o.demo = true;
        break;
      case '--data':
        o.dataFile = value();
        break;
      case '--crds':
        crds.push(path.resolve(value()));
        break;
      case '--no-default-crds':
        noDefault = true;
        break;
      case '--seed':
        o.seed = Number(value());
        break;
      case '--verbose':
        o.log = line => process.stderr.write(`${line}\n`);
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  if (crds.length) o.crdDirs = crds;
  else if (noDefault) o.crdDirs = [];
  if (!Number.isInteger(o.port) || o.port! < 0 || o.port! > 65535)
    throw new Error('--port must be a port number');
  return o;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const crdDirs = opts.crdDirs ?? defaultCrdDirs();
  const server = await startKubeServer({
    ...opts,
    crdDirs,
    log:
      opts.log ??
      (l => l.startsWith('simulation') && process.stderr.write(`${l}\n`)),
  });
  const kubeconfig = path.resolve(opts.kubeconfig ?? '.kube-server/kubeconfig');
  server.writeKubeconfig(kubeconfig);
  if (opts.caFile && server.caPem) {
    fs.mkdirSync(path.dirname(path.resolve(opts.caFile)), { recursive: true });
    fs.writeFileSync(opts.caFile, server.caPem);
  }
  process.stdout.write(
    [
      `kube-server (a development and test API server, not a cluster) listening on ${server.url}`,
      `kubeconfig: ${kubeconfig}   (export KUBECONFIG=${kubeconfig})`,
      `CRDs from: ${crdDirs.join(', ') || '(none)'}`,
      `simulated controllers: ${opts.simulate ? 'on' : 'off'}; demo seed: ${
        opts.demo ? 'on' : 'off'
      }; data file: ${opts.dataFile ?? '(none)'}`,
      `admin token (POST ${server.url}/admin/faults): ${server.adminToken}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, stopping\n`);
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
