/*
 * The AI Gateway backend plugin in a test backend, with a catalog, permission policy and logger
 * the suite controls: per-user visibility of entities, per-user-and-entity apply decisions and
 * every log line captured.
 */
import {
  AuthService,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
  DiscoveryService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import aiGatewayPlugin from '@kagenti/backstage-plugin-ai-gateway-backend';
import type { KubeServer } from '@kagenti/kube-server';
// The catalog fake the backend's own tests use (test code, not exported from the package index).
// eslint-disable-next-line @backstage/no-forbidden-package-imports, no-restricted-imports
import {
  FakeCatalog as TestCatalog,
  type Visibility,
} from '@kagenti/backstage-plugin-ai-gateway-backend/src/__testUtils__/fakeCatalog';
// The scheduler task id, not exported from the package index.
// eslint-disable-next-line @backstage/no-forbidden-package-imports
import { RECONCILE_TASK_ID } from '@kagenti/backstage-plugin-ai-gateway-backend/src/services/Triggers';

/** A logger keeping every line and its fields, for secret checks. */
export class CaptureLogger implements LoggerService {
  constructor(
    readonly lines: string[] = [],
    private readonly meta: object = {},
  ) {}
  private push(level: string, message: string, meta?: unknown) {
    let extra = '';
    try {
      extra = JSON.stringify({ ...this.meta, ...(meta as object) });
    } catch {
      extra = String(meta);
    }
    this.lines.push(`${level} ${message} ${extra}`);
  }
  error(message: string, meta?: Error | object) {
    this.push(
      'error',
      message,
      meta instanceof Error ? { error: `${meta.stack}` } : meta,
    );
  }
  warn(message: string, meta?: Error | object) {
    this.push(
      'warn',
      message,
      meta instanceof Error ? { error: `${meta.stack}` } : meta,
    );
  }
  info(message: string, meta?: Error | object) {
    this.push('info', message, meta);
  }
  debug(message: string, meta?: Error | object) {
    this.push('debug', message, meta);
  }
  child(meta: object): LoggerService {
    return new CaptureLogger(this.lines, { ...this.meta, ...meta });
  }
}

export { TestCatalog };
export type { Visibility };
export type ApplyDecision = (
  user: string | undefined,
  resourceRef?: string,
) => boolean;

export interface TestBackend {
  http: any;
  catalog: TestCatalog;
  logs: string[];
  /** Every permission request the backend made: user, permission and resource. */
  authorizations: Array<{
    user?: string;
    permission: string;
    resourceRef?: string;
    result: string;
  }>;
  /** The services a scaffolder module would get, for calling the actions against this backend. */
  services: {
    auth: AuthService;
    discovery: DiscoveryService;
    permissions: PermissionsService;
  };
  pass(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBackend(options: {
  kube: KubeServer;
  catalog: TestCatalog;
  canApply: ApplyDecision;
  aiGateway?: Record<string, unknown>;
}): Promise<TestBackend> {
  const logs: string[] = [];
  const authorizations: TestBackend['authorizations'] = [];
  const decide = async (requests: any[], opts?: { credentials?: any }) => {
    const p = opts?.credentials?.principal;
    const user = p?.type === 'service' ? undefined : p?.userEntityRef;
    return requests.map(r => {
      const allowed =
        p?.type === 'service' || options.canApply(user, r.resourceRef);
      const result = allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY;
      authorizations.push({
        user,
        permission: r.permission?.name,
        resourceRef: r.resourceRef,
        result,
      });
      return { result };
    });
  };
  const scheduler = mockServices.scheduler() as unknown as {
    factory(options?: { skipTaskRunOnStartup?: boolean }): any;
    triggerTask(id: string): Promise<void>;
  };
  const logger = new CaptureLogger(logs);
  let services: TestBackend['services'] | undefined;
  const probe = createBackendPlugin({
    pluginId: 'probe',
    register(env) {
      env.registerInit({
        deps: {
          auth: coreServices.auth,
          discovery: coreServices.discovery,
          permissions: coreServices.permissions,
        },
        async init(deps) {
          services = deps;
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      aiGatewayPlugin,
      probe,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      options.catalog.service().factory,
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => logger,
      }),
      mockServices.permissions.mock({
        authorize: decide as any,
        authorizeConditional: decide as any,
      }).factory,
      mockServices.rootConfig.factory({
        data: {
          aiGateway: {
            clusters: [
              {
                name: 'local',
                url: options.kube.url,
                serviceAccountToken: options.kube.token,
                local: true,
              },
            ],
            watch: false,
            catalogPollInterval: { hours: 1 },
            ...options.aiGateway,
          },
        } as any,
      }),
    ],
  });
  return {
    http: backend.server,
    catalog: options.catalog,
    logs,
    authorizations,
    services: services!,
    pass: () => scheduler.triggerTask(RECONCILE_TASK_ID),
    stop: () => backend.stop(),
  };
}

export const asUser = (ref: string) => mockCredentials.user.header(ref);

/** The cluster's write clock: any create, update or delete moves it. */
export function clusterClock(kube: KubeServer): string {
  const store = (kube.api as any).store;
  return `${store.count()}@${store.resourceVersion}`;
}
