import fc from 'fast-check';
import { agentSpiffeId } from '@kagenti/backstage-plugin-ai-gateway-common';
import { PolicyIndex, PolicyRecord } from './PolicyIndex';

type Subject = { spiffeId?: string; spiffeIdPrefix?: string };

const DOMAINS = ['a.test', 'b.test'];
const NAMESPACES = ['team1', 'team2', 'team10'];
const ACCOUNTS = ['agent', 'agent-2', 'other'];

function accessRecord(
  i: number,
  namespace: string,
  trustDomain: string,
  allowedSubjects: Subject[] | undefined,
): PolicyRecord {
  const name = `access-${i}`;
  return {
    entityRef: `aiaccesspolicy:default/${name}`,
    entity: {
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind: 'AIAccessPolicy',
      metadata: { name },
    },
    cluster: 'local',
    kind: 'AIAccessPolicy',
    name,
    namespace,
    resource: {
      apiVersion: 'aigateway.kagenti.dev/v1alpha1',
      kind: 'AIAccessPolicy',
      metadata: { name, namespace },
      spec: {
        targetRef: { name: 'ai-gateway' },
        mtls: {
          trustDomain,
          ...(allowedSubjects ? { allowedSubjects } : {}),
        },
      },
    },
    objects: [],
    reachable: true,
    updatedAt: '2026-11-27T00:00:00Z',
  };
}

/** The rule per-agent access applies to one policy (trust domain, then exact or prefix). */
function admits(record: PolicyRecord, id: string): boolean {
  const mtls = (record.resource as any).spec.mtls;
  if (!id.startsWith(`spiffe://${mtls.trustDomain}/`)) return false;
  const subjects: Subject[] | undefined = mtls.allowedSubjects;
  return (
    !subjects ||
    subjects.length === 0 ||
    subjects.some(s =>
      s.spiffeId !== undefined
        ? s.spiffeId === id
        : s.spiffeIdPrefix !== undefined && id.startsWith(s.spiffeIdPrefix),
    )
  );
}

const subject = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...DOMAINS),
      fc.constantFrom(...NAMESPACES),
      fc.constantFrom(...ACCOUNTS),
    )
    .map(([d, ns, sa]) => ({ spiffeId: agentSpiffeId(d, ns, sa) })),
  fc
    .tuple(
      fc.constantFrom(...DOMAINS),
      fc.constantFrom(...NAMESPACES),
      fc.nat(30),
    )
    .map(([d, ns, cut]) => ({
      // Prefixes end anywhere, not only at a path segment: `…/ns/team1` also admits team10.
      spiffeIdPrefix: `spiffe://${d}/ns/${ns}/sa/`.slice(0, 12 + cut),
    })),
  fc.constant({}),
);

describe('PolicyIndex.accessPoliciesFor', () => {
  it('finds exactly the policies of the agent namespace and those admitting its SPIFFE ID, in list order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            namespace: fc.constantFrom(...NAMESPACES),
            domain: fc.constantFrom(...DOMAINS),
            subjects: fc.option(fc.array(subject, { maxLength: 3 }), {
              nil: undefined,
            }),
          }),
          { maxLength: 25 },
        ),
        fc.constantFrom(...NAMESPACES),
        fc.constantFrom(...ACCOUNTS),
        fc.option(fc.constantFrom(...DOMAINS), { nil: undefined }),
        (policies, namespace, account, overrideDomain) => {
          const index = new PolicyIndex();
          policies.forEach((p, i) =>
            index.setPolicy(accessRecord(i, p.namespace, p.domain, p.subjects)),
          );
          // An agent's SPIFFE ID per trust domain, or one ID for all (the override annotation).
          const idFor = (domain: string) =>
            agentSpiffeId(overrideDomain ?? domain, namespace, account);
          const all = index.accessPolicies('local');
          const expected = all.filter(
            r =>
              r.namespace === namespace ||
              admits(r, idFor((r.resource as any).spec.mtls.trustDomain)),
          );
          const found = index.accessPoliciesFor('local', namespace, idFor);
          // Every policy that matters is found, in list order; the index may add none that
          // neither shares the namespace nor could admit the agent.
          expect(found.map(r => r.name)).toEqual(expected.map(r => r.name));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('knows no policies of a cluster it has not seen', () => {
    expect(
      new PolicyIndex().accessPoliciesFor('nowhere', 'team1', d => d),
    ).toEqual([]);
  });
});
