import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { ClusterSpec } from './types';

/**
 * The part of Backstage's `Config` this module reads (structural, so the node library does not
 * need `@backstage/config` at run time).
 */
export interface ClusterConfigSource {
  getOptionalConfigArray(key: string): ClusterConfigSource[] | undefined;
  getOptionalConfig(key: string): ClusterConfigSource | undefined;
  getString(key: string): string;
  getOptionalString(key: string): string | undefined;
  getOptionalBoolean(key: string): boolean | undefined;
  getOptionalStringArray(key: string): string[] | undefined;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function decodeCaData(caData: string): string {
  // Backstage's kubernetes config carries base64 of the PEM; accept raw PEM as well.
  return caData.includes('-----BEGIN')
    ? caData
    : Buffer.from(caData, 'base64').toString('utf8');
}

function readCa(caData?: string, caFile?: string): string | undefined {
  if (caData) return decodeCaData(caData);
  return caFile ? readFileSync(caFile, 'utf8') : undefined;
}

function fromKubeConfig(kc: KubeConfig, name?: string): ClusterSpec {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster) {
    throw new Error('kubeconfig has no current cluster');
  }
  const read = (data?: string, file?: string) => {
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    return file ? readFileSync(file, 'utf8') : undefined;
  };
  return {
    name: name ?? kc.getCurrentContext() ?? cluster.name,
    url: cluster.server,
    caPem: read(cluster.caData, cluster.caFile),
    skipTLSVerify: cluster.skipTLSVerify,
    token: user?.token,
    tokenFile: (user as { authProvider?: unknown; tokenFile?: string })
      ?.tokenFile,
    certPem: read(user?.certData, user?.certFile),
    keyPem: read(user?.keyData, user?.keyFile),
  };
}

/** Reads a kubeconfig file's current context (or the named context) as a cluster. */
export function clusterFromKubeconfig(
  file: string,
  options: { context?: string; name?: string } = {},
): ClusterSpec {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (options.context) kc.setCurrentContext(options.context);
  return fromKubeConfig(kc, options.name ?? options.context);
}

/** The cluster this process runs in, through its service account. */
export function inClusterSpec(name = 'in-cluster'): ClusterSpec {
  const kc = new KubeConfig();
  kc.loadFromCluster();
  const spec = fromKubeConfig(kc, name);
  return { ...spec, token: undefined, tokenFile: IN_CLUSTER_TOKEN };
}

function readOne(c: ClusterConfigSource, local: Set<string>): ClusterSpec {
  const name = c.getString('name');
  const kubeconfig = c.getOptionalString('kubeconfig');
  if (kubeconfig) {
    return {
      ...clusterFromKubeconfig(kubeconfig, {
        context: c.getOptionalString('context'),
        name,
      }),
      local: c.getOptionalBoolean('local') ?? local.has(name),
    };
  }
  const caData = c.getOptionalString('caData');
  const caFile = c.getOptionalString('caFile');
  return {
    name,
    url: c.getString('url'),
    token: c.getOptionalString('serviceAccountToken'),
    caPem: readCa(caData, caFile),
    skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
    local: c.getOptionalBoolean('local') ?? local.has(name),
  };
}

/**
 * The clusters the reconciler manages, in order of precedence:
 * 1. `aiGateway.clusters` (name, url, serviceAccountToken, caData/caFile, skipTLSVerify, local,
 *    or kubeconfig + context);
 * 2. the `config` clusters of `kubernetes.clusterLocatorMethods` (the Kubernetes plugin's);
 * 3. `aiGateway.kubeconfig` (a kubeconfig file's current context);
 * 4. the in-cluster service account, when running in a pod.
 * `aiGateway.localClusters` names the clusters that are the local development server.
 */
export function readClusterSpecs(config: ClusterConfigSource): ClusterSpec[] {
  const local = new Set(
    config.getOptionalStringArray('aiGateway.localClusters') ?? [],
  );
  const own = config.getOptionalConfigArray('aiGateway.clusters');
  if (own && own.length > 0) {
    return own.map(c => readOne(c, local));
  }
  const fromKubernetes: ClusterSpec[] = [];
  for (const method of config.getOptionalConfigArray(
    'kubernetes.clusterLocatorMethods',
  ) ?? []) {
    if (method.getString('type') !== 'config') continue;
    for (const c of method.getOptionalConfigArray('clusters') ?? []) {
      fromKubernetes.push(readOne(c, local));
    }
  }
  if (fromKubernetes.length > 0) return fromKubernetes;
  const kubeconfig = config.getOptionalString('aiGateway.kubeconfig');
  if (kubeconfig) {
    const spec = clusterFromKubeconfig(kubeconfig);
    return [{ ...spec, local: local.has(spec.name) }];
  }
  if (process.env.KUBERNETES_SERVICE_HOST) {
    const spec = inClusterSpec();
    return [{ ...spec, local: false }];
  }
  return [];
}
