import { KubeServer } from '@kagenti/kube-server';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { aiGatewayPlugin } from './plugin';
import {
  FakeCatalog,
  demoEntities,
  startDemoCluster,
} from './__testUtils__/harness';
import {
  TestPostgres,
  postgresUnavailable,
  startTestPostgres,
} from './__testUtils__/postgres';

const unavailable = postgresUnavailable();
if (unavailable) {
  // Said plainly, so a skipped run is not mistaken for a passing one.
  // eslint-disable-next-line no-console
  console.warn(`Skipping the two-instance PostgreSQL test: ${unavailable}`);
}
const describeWithPostgres = unavailable ? describe.skip : describe;

describeWithPostgres('two backend instances sharing PostgreSQL', () => {
  let pg: TestPostgres;
  let kube: KubeServer;

  beforeAll(async () => {
    pg = await startTestPostgres();
    kube = await startDemoCluster();
  }, 60_000);
  afterAll(async () => {
    await kube?.stop();
    pg?.stop();
  }, 30_000);

  it('runs each scheduled pass on one instance only', async () => {
    const catalog = new FakeCatalog(demoEntities());
    const passes: number[] = [];
    const service = catalog.service();
    const getEntities = service.getEntities.getMockImplementation()!;
    // A pass lists every policy's ref and etag; the catalog poll asks for uid and etag.
    service.getEntities.mockImplementation((async (req: any, opts: any) => {
      if (!req?.fields?.includes('metadata.uid')) passes.push(Date.now());
      return getEntities(req, opts);
    }) as any);
    const config = {
      backend: {
        database: {
          client: 'pg',
          connection: {
            host: pg.host,
            port: pg.port,
            user: pg.user,
            password: '',
          },
        },
      },
      aiGateway: {
        clusters: [
          { name: 'local', url: kube.url, serviceAccountToken: kube.token },
        ],
        schedule: { seconds: 20 },
        watch: false,
        catalogPollInterval: { hours: 1 },
      },
    };
    const start = () =>
      startTestBackend({
        features: [
          aiGatewayPlugin,
          databaseServiceFactory,
          schedulerServiceFactory,
          service.factory,
          mockServices.rootConfig.factory({ data: config as any }),
        ],
      });
    // One after the other, as replicas roll out (two first-time migrations at once race in Knex).
    const a = await start();
    const b = await start();
    try {
      // Both workers look for due work every 5 seconds; give each a few looks.
      await new Promise(r => setTimeout(r, 12_000));
      expect(passes).toHaveLength(1);
      expect(
        kube.get(
          'aigateway.kagenti.dev/v1alpha1',
          'AIRoutingPolicy',
          'team1',
          'team1-models',
        ),
      ).toBeDefined();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);
});
