import { KubeServer } from '@kagenti/kube-server';
import { diffObject } from '@kagenti/backstage-plugin-ai-gateway-node';
import {
  Harness,
  startDemoCluster,
  startHarness,
} from './__testUtils__/harness';

// The real comparison, counted.
jest.mock('@kagenti/backstage-plugin-ai-gateway-node', () => {
  const actual = jest.requireActual(
    '@kagenti/backstage-plugin-ai-gateway-node',
  );
  return { ...actual, diffObject: jest.fn(actual.diffObject) };
});
const compared = diffObject as jest.MockedFunction<typeof diffObject>;
const POLICY_KINDS = ['AIRoutingPolicy', 'AIAccessPolicy'];
/** Names of the rendered objects compared with the cluster since the last call. */
function renderedCompared() {
  const names = compared.mock.calls
    .map(([desired]) => desired)
    .filter(d => !POLICY_KINDS.includes(d.kind))
    .map(d => `${d.kind}/${d.metadata.name}`);
  compared.mockClear();
  return names;
}

describe('comparisons of desired and live objects', () => {
  let kube: KubeServer;
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
    await kube?.stop();
  });

  it('compares an object once per version in the cluster, counting the version its own apply wrote', async () => {
    // No simulated controllers: nothing but the reconciler changes the objects.
    kube = await startDemoCluster({ simulate: false });
    h = await startHarness({ kube });
    await h.pass();
    // Every object was created, and compared with what the server answered.
    const created = renderedCompared();
    expect(created.length).toBeGreaterThan(5);
    expect(new Set(created).size).toBe(created.length);

    // The next pass reads the versions it wrote: nothing to compare again.
    await h.pass();
    expect(renderedCompared()).toEqual([]);

    // A hand edit is a new version: that object alone is compared, and repaired.
    const route = kube.list(
      'aigateway.envoyproxy.io/v1alpha1',
      'AIGatewayRoute',
      'team1',
    )[0];
    kube.put({
      ...route,
      spec: { ...route.spec, parentRefs: [] },
    });
    await h.pass();
    expect(renderedCompared()).toEqual([
      `AIGatewayRoute/${route.metadata.name}`,
      `AIGatewayRoute/${route.metadata.name}`,
    ]);
    expect(
      kube.get(
        'aigateway.envoyproxy.io/v1alpha1',
        'AIGatewayRoute',
        'team1',
        route.metadata.name,
      )?.spec.parentRefs,
    ).toEqual(route.spec.parentRefs);
  });
});
