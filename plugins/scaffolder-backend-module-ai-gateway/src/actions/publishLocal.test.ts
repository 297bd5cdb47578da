import type { JsonObject } from '@backstage/types';
import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import { createPublishLocalAction } from './publishLocal';

describe('aigateway:publish:local', () => {
  const dir = createMockDirectory();
  const published = () => dir.resolve('scaffolded');
  const catalogInfo = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: my-agent}
spec: {type: agent, owner: guests, lifecycle: experimental}
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: my-agent-ai-access-policy}
spec: {targets: [./ai-access-policy.yaml]}
`;

  function setup(
    options: {
      configured?: boolean;
      locationTarget?: string;
      relativeLocation?: boolean;
    } = {},
  ) {
    const config = mockServices.rootConfig({
      data:
        options.configured === false
          ? {}
          : {
              scaffolder: { aiGateway: { localPublishDirectory: published() } },
            },
    });
    const refreshEntity = jest.fn(async () => {});
    const locations: Entity[] = [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Location',
        metadata: { name: 'generated-abc', namespace: 'default' },
        spec: {
          type: 'file',
          target:
            options.locationTarget ??
            path.join(published(), '*', 'catalog-info.yaml'),
        },
      },
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Location',
        metadata: { name: 'generated-other', namespace: 'default' },
        spec: { type: 'file', target: '/elsewhere/catalog-info.yaml' },
      },
    ];
    if (options.relativeLocation !== false) {
      // As templates/local-published.yaml declares it: relative to the file it is read from.
      locations.push({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Location',
        metadata: {
          name: 'ai-gateway-local-published',
          namespace: 'default',
          annotations: {
            'backstage.io/managed-by-location': `file:${dir.resolve(
              'templates',
              'local-published.yaml',
            )}`,
          },
        },
        spec: {
          presence: 'optional',
          targets: ['../scaffolded/*/catalog-info.yaml'],
        },
      });
    }
    const getEntities = jest.fn(async () => ({ items: locations }));
    const catalog = catalogServiceMock.mock({
      refreshEntity,
      getEntities,
    } as any);
    const action = createPublishLocalAction({
      config,
      catalog,
      auth: mockServices.auth(),
    });
    return { action, refreshEntity };
  }

  async function run(
    action: ReturnType<typeof setup>['action'],
    input: JsonObject,
    isDryRun = false,
  ) {
    // createMockActionContext drops isDryRun, so it is set on the context it returns.
    const ctx = {
      ...createMockActionContext({ input, workspacePath: dir.resolve('ws') }),
      isDryRun,
    };
    await action.handler(ctx as any);
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  beforeEach(() => {
    dir.clear();
    dir.setContent({
      ws: {
        'catalog-info.yaml': catalogInfo,
        'ai-access-policy.yaml': 'kind: AIAccessPolicy\n',
        k8s: { 'deployment.yaml': 'kind: Deployment\n' },
        '.git': { HEAD: 'ref: refs/heads/main\n' },
      },
    });
  });

  it('copies the workspace into the folder the catalog reads and refreshes that location', async () => {
    const { action, refreshEntity } = setup();
    const out = await run(action, { name: 'my-agent' });
    const target = path.join(published(), 'my-agent');
    expect(out).toEqual({
      path: target,
      catalogInfoPath: path.join(target, 'catalog-info.yaml'),
      entityRefs: [
        'component:default/my-agent',
        'location:default/my-agent-ai-access-policy',
      ],
      refreshedLocations: [
        'location:default/generated-abc',
        'location:default/ai-gateway-local-published',
      ],
    });
    expect(readFileSync(path.join(target, 'catalog-info.yaml'), 'utf8')).toBe(
      catalogInfo,
    );
    expect(existsSync(path.join(target, 'k8s', 'deployment.yaml'))).toBe(true);
    expect(existsSync(path.join(target, '.git'))).toBe(false);
    expect(refreshEntity).toHaveBeenCalledTimes(2);
    expect(refreshEntity).toHaveBeenCalledWith(
      'location:default/ai-gateway-local-published',
      expect.anything(),
    );
  });

  it('never replaces an existing folder unless asked', async () => {
    const { action } = setup();
    await run(action, { name: 'my-agent' });
    await expect(run(action, { name: 'my-agent' })).rejects.toThrow(
      /my-agent already exists; choose another name, or set overwrite: true/,
    );
    await expect(
      run(action, { name: 'my-agent', overwrite: true }),
    ).resolves.toBeDefined();
  });

  it('writes nothing in a dry run', async () => {
    const { action, refreshEntity } = setup();
    const out = await run(action, { name: 'my-agent' }, true);
    expect(out.path).toBe(path.join(published(), 'my-agent'));
    expect(existsSync(path.join(published(), 'my-agent'))).toBe(false);
    expect(refreshEntity).not.toHaveBeenCalled();
  });

  it('fails clearly when local publishing is not configured or there is nothing to publish', async () => {
    await expect(
      run(setup({ configured: false }).action, { name: 'a' }),
    ).rejects.toThrow(
      'local publishing is not configured: set scaffolder.aiGateway.localPublishDirectory',
    );
    dir.setContent({ ws: {} });
    await expect(run(setup().action, { name: 'a' })).rejects.toThrow(
      'nothing to publish: the workspace has no catalog-info.yaml',
    );
  });

  it('still publishes when no catalog location covers the folder, and refreshes nothing', async () => {
    const { action, refreshEntity } = setup({
      locationTarget: '/somewhere/else/*.yaml',
      relativeLocation: false,
    });
    const out = await run(action, { name: 'my-agent' });
    expect(out.refreshedLocations).toEqual([]);
    expect(refreshEntity).not.toHaveBeenCalled();
  });

  it('refuses a sourcePath outside the workspace', async () => {
    await expect(
      run(setup().action, { name: 'a', sourcePath: '../..' }),
    ).rejects.toThrow('sourcePath "../.." is outside the workspace');
  });
});
