import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration } from '@backstage/types';
import {
  ClusterSpec,
  readClusterSpecs,
} from '@kagenti/backstage-plugin-ai-gateway-node';

/** What the plugin reads from `aiGateway.*` (see config.d.ts). */
export interface AiGatewaySettings {
  mode: 'embedded' | 'external';
  instance: string;
  schedule: HumanDuration;
  timeout: HumanDuration;
  /** How long a policy entity must be gone from the catalog before its resource is deleted. */
  deletionGracePeriod: HumanDuration;
  /** Wait before the first scheduled pass after startup (none by default). */
  initialDelay?: HumanDuration;
  defaultCluster?: string;
  clusters: ClusterSpec[];
  /** Requests in flight per cluster. */
  concurrency: number;
  /** How often the catalog is checked for policy changes between scheduled passes. */
  catalogPollInterval: HumanDuration;
  /**
   * How old the in-memory directory of agents that per-agent access answers from may get before
   * it is read again (an edited or deleted agent shows after about this long); zero reads the
   * agent from the catalog on every request.
   */
  agentDirectoryMaxAge: HumanDuration;
  /** Watch rendered objects, Gateways and bundle ConfigMaps for drift. */
  watch: boolean;
}

export function readSettings(config: Config): AiGatewaySettings {
  const mode = config.getOptionalString('aiGateway.mode') ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'external') {
    throw new Error(
      `aiGateway.mode must be 'embedded' or 'external', got '${mode}'`,
    );
  }
  const duration = (key: string, fallback: HumanDuration) =>
    config.has(key) ? readDurationFromConfig(config, { key }) : fallback;
  const clusters = readClusterSpecs(config);
  const names = new Set<string>();
  for (const c of clusters) {
    if (names.has(c.name)) {
      throw new Error(
        `aiGateway: cluster name '${c.name}' is configured twice`,
      );
    }
    names.add(c.name);
  }
  return {
    mode,
    instance: config.getOptionalString('aiGateway.instance') ?? 'backstage',
    schedule: duration('aiGateway.schedule', { seconds: 30 }),
    timeout: duration('aiGateway.timeout', { minutes: 3 }),
    deletionGracePeriod: duration('aiGateway.deletionGracePeriod', {
      minutes: 1,
    }),
    initialDelay: config.has('aiGateway.initialDelay')
      ? readDurationFromConfig(config, { key: 'aiGateway.initialDelay' })
      : undefined,
    defaultCluster:
      config.getOptionalString('aiGateway.defaultCluster') ?? clusters[0]?.name,
    clusters,
    concurrency: config.getOptionalNumber('aiGateway.concurrency') ?? 16,
    catalogPollInterval: duration('aiGateway.catalogPollInterval', {
      seconds: 5,
    }),
    agentDirectoryMaxAge: duration('aiGateway.agentDirectoryMaxAge', {
      seconds: 5,
    }),
    watch: config.getOptionalBoolean('aiGateway.watch') ?? true,
  };
}
