import { ConfigReader } from '@backstage/config';
import { readSettings } from './settings';

const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('readSettings', () => {
  it('defaults to embedded mode, instance backstage, a 30 s schedule', () => {
    const s = readSettings(new ConfigReader({}));
    expect(s).toMatchObject({
      mode: 'embedded',
      instance: 'backstage',
      schedule: { seconds: 30 },
      clusters: [],
      watch: true,
    });
  });

  it("reuses the Kubernetes plugin's config clusters, marking local ones", () => {
    const s = readSettings(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'catalog' },
            {
              type: 'config',
              clusters: [
                {
                  name: 'local',
                  url: 'http://127.0.0.1:6443',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 't',
                },
                {
                  name: 'prod',
                  url: 'https://prod:6443',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'p',
                  caData: Buffer.from(ca).toString('base64'),
                  skipTLSVerify: false,
                },
              ],
            },
          ],
        },
        aiGateway: {
          localClusters: ['local'],
          instance: 'eu',
          schedule: 'PT1M',
        },
      }),
    );
    expect(s.instance).toBe('eu');
    expect(s.schedule).toEqual({ minutes: 1 });
    expect(s.defaultCluster).toBe('local');
    expect(s.clusters).toEqual([
      {
        name: 'local',
        url: 'http://127.0.0.1:6443',
        token: 't',
        skipTLSVerify: false,
        local: true,
      },
      {
        name: 'prod',
        url: 'https://prod:6443',
        token: 'p',
        caPem: ca,
        skipTLSVerify: false,
        local: false,
      },
    ]);
  });

  it('prefers aiGateway.clusters and rejects a bad mode or a duplicate name', () => {
    const s = readSettings(
      new ConfigReader({
        aiGateway: {
          mode: 'external',
          defaultCluster: 'b',
          clusters: [
            { name: 'a', url: 'https://a', local: true },
            { name: 'b', url: 'https://b', skipTLSVerify: true },
          ],
        },
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'config', clusters: [{ name: 'k', url: 'http://k' }] },
          ],
        },
      }),
    );
    expect(s.mode).toBe('external');
    expect(s.defaultCluster).toBe('b');
    expect(s.clusters.map(c => [c.name, c.local, c.skipTLSVerify])).toEqual([
      ['a', true, false],
      ['b', false, true],
    ]);
    expect(() =>
      readSettings(new ConfigReader({ aiGateway: { mode: 'sideways' } })),
    ).toThrow(/embedded' or 'external/);
    expect(() =>
      readSettings(
        new ConfigReader({
          aiGateway: {
            clusters: [
              { name: 'a', url: 'x' },
              { name: 'a', url: 'y' },
            ],
          },
        }),
      ),
    ).toThrow(/configured twice/);
  });
});
