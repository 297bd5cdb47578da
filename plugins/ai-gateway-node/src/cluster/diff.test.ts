import { objectKey } from '../kubernetes';
import { diffObject } from './diff';
import { isOwnedBy } from './ownership';
import { KubeObject } from './types';

const desired: KubeObject = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'Backend',
  metadata: {
    name: 'team1-openai',
    namespace: 'team1',
    labels: { 'app.kubernetes.io/managed-by': 'kagenti-ai-gateway' },
  },
  spec: { endpoints: [{ fqdn: { hostname: 'api.openai.com', port: 443 } }] },
};

describe('diffObject', () => {
  it('ignores what the API server adds', () => {
    const live = {
      ...desired,
      metadata: {
        ...desired.metadata,
        uid: 'u1',
        resourceVersion: '7',
        labels: { ...desired.metadata.labels, extra: 'x' },
        managedFields: [{}],
      },
      spec: {
        endpoints: [
          { fqdn: { hostname: 'api.openai.com', port: 443 }, defaulted: true },
        ],
      },
      status: { conditions: [] },
    };
    expect(diffObject(desired, live)).toEqual([]);
  });

  it('names the fields that differ, not their values', () => {
    const live = structuredClone(desired);
    (live.spec as any).endpoints[0].fqdn.hostname = 'evil.example.com';
    delete live.metadata.labels;
    expect(diffObject(desired, live)).toEqual([
      'metadata.labels',
      'spec.endpoints',
    ]);
  });

  it('names nested fields down to the first list, and takes null as absent', () => {
    const want: KubeObject = {
      ...desired,
      spec: {
        rule: { limit: { tokens: 100, unit: 'Hour' }, port: '8080' },
        removed: null,
        endpoints: [{ a: 1 }, { b: [2, 3] }],
      },
    };
    const same = structuredClone(want);
    (same.spec as any).rule.port = 8080;
    delete (same.spec as any).removed;
    expect(diffObject(want, same)).toEqual([]);

    const other = structuredClone(same);
    (other.spec as any).rule.limit.unit = 'Minute';
    (other.spec as any).removed = 'x';
    (other.spec as any).endpoints[1].b[1] = 4;
    expect(diffObject(want, other)).toEqual([
      'spec.rule.limit.unit',
      'spec.removed',
      'spec.endpoints',
    ]);
    expect(diffObject(want, { ...same, spec: 'text' } as any)).toEqual([
      'spec',
    ]);
  });

  it('compares Secret stringData with the stored data', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'n' },
      stringData: { 'ca.crt': 'PEM' },
    };
    const live: KubeObject = {
      ...secret,
      stringData: undefined,
      data: { 'ca.crt': Buffer.from('PEM').toString('base64') },
    };
    expect(diffObject(secret, live)).toEqual([]);
    expect(
      diffObject(secret, { ...live, data: { 'ca.crt': 'b3RoZXI=' } }),
    ).toEqual(['data.ca.crt']);
  });

  it('keys objects by apiVersion, kind, namespace and name', () => {
    expect(objectKey(desired)).toBe(
      'gateway.envoyproxy.io/v1alpha1/Backend/team1/team1-openai',
    );
  });
});

describe('isOwnedBy', () => {
  const labels = {
    managedByKey: 'app.kubernetes.io/managed-by',
    managedByValue: 'kagenti-ai-gateway',
    instanceKey: 'aigateway.kagenti.dev/managed-by-instance',
    instance: 'backstage',
  };
  const owned: KubeObject = {
    ...desired,
    metadata: {
      ...desired.metadata,
      labels: {
        'app.kubernetes.io/managed-by': 'kagenti-ai-gateway',
        'aigateway.kagenti.dev/managed-by-instance': 'backstage',
      },
      ownerReferences: [
        {
          apiVersion: 'a/v1',
          kind: 'AIRoutingPolicy',
          name: 'team1',
          uid: 'u',
        },
      ],
    },
  };
  const owner = { kind: 'AIRoutingPolicy', name: 'team1', uid: 'u' };

  it('accepts objects with both labels and the owner reference', () => {
    expect(isOwnedBy(owned, labels, owner)).toBe(true);
  });

  it('refuses another instance, a missing label or another owner', () => {
    expect(isOwnedBy(owned, { ...labels, instance: 'other' }, owner)).toBe(
      false,
    );
    expect(
      isOwnedBy(
        { ...owned, metadata: { ...owned.metadata, labels: {} } },
        labels,
        owner,
      ),
    ).toBe(false);
    expect(isOwnedBy(owned, labels, { ...owner, uid: 'v' })).toBe(false);
    expect(
      isOwnedBy(
        { ...owned, metadata: { ...owned.metadata, ownerReferences: [] } },
        labels,
        owner,
      ),
    ).toBe(false);
  });
});
