import type { JsonObject } from '@backstage/types';
import { parse } from 'yaml';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { accessPolicyYaml, routingPolicyYaml } from '../__fixtures__/entities';
import { createPolicyValidateAction } from './validatePolicy';

describe('aigateway:policy:validate', () => {
  const dir = createMockDirectory();
  const action = createPolicyValidateAction();

  function run(input: JsonObject) {
    const ctx = createMockActionContext({
      input,
      workspacePath: dir.resolve('ws'),
    });
    return { ctx, done: action.handler(ctx as any) };
  }

  beforeEach(() => dir.clear());

  it('validates a policy file from the workspace, skipping the other entities in it', async () => {
    dir.setContent({
      ws: {
        'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: x}
spec: {type: agent, owner: guests, lifecycle: experimental}
---
${routingPolicyYaml}`,
      },
    });
    const { ctx, done } = run({ path: 'catalog-info.yaml' });
    await done;
    expect(ctx.output).toHaveBeenCalledWith('policies', [
      {
        entityRef: 'airoutingpolicy:default/team1-models',
        kind: 'AIRoutingPolicy',
        name: 'team1-models',
        namespace: 'team1',
        gateway: 'ai-gateway',
      },
    ]);
    expect(ctx.output).toHaveBeenCalledWith(
      'summary',
      'AIRoutingPolicy team1-models (namespace team1) on Gateway ai-gateway: 2 provider(s), models gpt-4o, qwen2.5:3b',
    );
  });

  it('accepts inline YAML and inline objects', async () => {
    await expect(
      run({ entity: accessPolicyYaml }).done,
    ).resolves.toBeUndefined();
    const { ctx, done } = run({
      entity: {
        apiVersion: 'aigateway.kagenti.dev/v1alpha1',
        kind: 'AIAccessPolicy',
        metadata: {
          name: 'p',
          annotations: {
            'backstage.io/kubernetes-namespace': 'team2',
            'aigateway.kagenti.dev/cluster': 'prod',
          },
        },
        spec: {
          owner: 'group:default/platform',
          targetRef: {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'gw',
          },
          mtls: {
            trustDomain: 'example.org',
            trustBundleConfigMap: {
              name: 'b',
              namespace: 'spire-system',
              key: 'bundle.crt',
            },
          },
        },
      },
    });
    await done;
    expect(ctx.output).toHaveBeenCalledWith('policies', [
      expect.objectContaining({
        kind: 'AIAccessPolicy',
        namespace: 'team2',
        cluster: 'prod',
        gateway: 'gw',
      }),
    ]);
  });

  it('fails with every problem and its field path', async () => {
    const broken = routingPolicyYaml
      .replace('backstage.io/kubernetes-namespace: team1', 'other: x')
      .replace(
        'endpoint: https://api.openai.com',
        'endpoint: ftp://api.openai.com',
      )
      .replace(
        '{provider: openai, model: gpt-4o}',
        '{provider: nope, model: gpt-4o}',
      )
      .replace('  owner: group:default/guests\n', '');
    dir.setContent({ ws: { 'policy.yaml': broken } });
    const { done } = run({ path: 'policy.yaml' });
    const error: Error = await done.then(
      () => {
        throw new Error('expected a failure');
      },
      e => e,
    );
    expect(error.name).toBe('InputError');
    expect(error.message).toContain(
      'AIRoutingPolicy "team1-models" (policy.yaml) has',
    );
    expect(error.message).toContain(
      'metadata.annotations["backstage.io/kubernetes-namespace"]: required',
    );
    expect(error.message).toContain('spec.owner: required');
    expect(error.message).toMatch(/spec\.providers\[0\]\.endpoint: /);
    expect(error.message).toMatch(
      /spec\.models\[0\]\.backends\[0\]\.provider: /,
    );
  });

  it('refuses paths outside the workspace', async () => {
    dir.setContent({ ws: {}, 'secret.yaml': accessPolicyYaml });
    await expect(run({ path: '../secret.yaml' }).done).rejects.toThrow(
      'path "../secret.yaml" is outside the workspace',
    );
    await expect(
      run({ path: dir.resolve('secret.yaml') }).done,
    ).rejects.toThrow(/is outside the workspace/);
  });

  // Found by the reliability campaign (packages/reliability): these inputs failed the step with
  // a ReferenceError from the YAML library instead of an InputError saying what is wrong.
  it('refuses YAML alias bombs and unresolved aliases as invalid YAML', async () => {
    const levels = ['x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 8; i++)
      levels.push(
        `x${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    await expect(
      run({ entity: `${levels.join('\n')}\nkind: AIRoutingPolicy\n` }).done,
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /^inline: not valid YAML \(document 1\): Excessive alias count/,
      ),
    });
    await expect(
      run({ entity: 'kind: AIRoutingPolicy\nspec: *nope\n' }).done,
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /^inline: not valid YAML \(document 1\): Unresolved alias/,
      ),
    });
  });

  it('lists the first 20 problems of a policy with thousands, and counts the rest', async () => {
    const entity = parse(accessPolicyYaml);
    entity.spec.mtls.allowedSubjects = Array.from({ length: 3000 }, (_, i) => ({
      spiffeId: `spiffe://other.example/sa/${i}`,
    }));
    const error = await run({ entity }).done.catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toContain('has 3000 problems:');
    expect(error.message).toContain('allowedSubjects[19]');
    expect(error.message).not.toContain('allowedSubjects[20]');
    expect(error.message).toMatch(/\n {2}- and 2980 more$/);
  });

  it('says what is wrong with unusable input', async () => {
    dir.setContent({
      ws: {
        'c.yaml': 'kind: Component\nmetadata: {name: a}\n',
        'bad.yaml': 'a: [',
      },
    });
    await expect(run({ path: 'c.yaml' }).done).rejects.toThrow(
      'c.yaml: no AIRoutingPolicy or AIAccessPolicy entity found',
    );
    await expect(run({ path: 'bad.yaml' }).done).rejects.toThrow(
      /bad\.yaml: not valid YAML/,
    );
    await expect(run({ path: 'missing.yaml' }).done).rejects.toThrow(
      'cannot read "missing.yaml" in the workspace: ENOENT',
    );
    await expect(run({}).done).rejects.toThrow(
      'give exactly one of "path" and "entity"',
    );
  });
});
