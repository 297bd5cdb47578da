import { sameStatus } from './Reconciler';

describe('sameStatus', () => {
  const condition = {
    type: 'Programmed',
    status: 'True',
    reason: 'Programmed',
    message: 'all objects accepted',
    lastTransitionTime: '2026-11-27T10:00:00Z',
  };

  it('takes a status read back in an API server field order as the same', () => {
    // Kubernetes writes a custom resource's fields sorted by name.
    const readBack = {
      conditions: [
        {
          lastTransitionTime: '2026-11-27T10:00:00Z',
          message: 'all objects accepted',
          reason: 'Programmed',
          status: 'True',
          type: 'Programmed',
        },
      ],
      observedGeneration: 3,
    };
    expect(
      sameStatus({ observedGeneration: 3, conditions: [condition] }, readBack),
    ).toBe(true);
  });

  it('ignores the times and fields left undefined, nothing else', () => {
    const a = { conditions: [condition], models: ['gpt-4o'] };
    expect(
      sameStatus(a, {
        conditions: [
          { ...condition, lastTransitionTime: '2026-11-28T00:00:00Z' },
        ],
        models: ['gpt-4o'],
        gateway: undefined,
      }),
    ).toBe(true);
    expect(sameStatus(undefined, {})).toBe(true);
    expect(
      sameStatus(a, {
        conditions: [{ ...condition, status: 'False' }],
        models: ['gpt-4o'],
      }),
    ).toBe(false);
    expect(
      sameStatus(a, { conditions: [condition], models: ['gpt-4o', 'x'] }),
    ).toBe(false);
    expect(sameStatus(a, { conditions: [condition] })).toBe(false);
    expect(sameStatus({ models: [] }, { models: {} })).toBe(false);
    expect(sameStatus({ n: 1 }, { n: '1' })).toBe(false);
  });
});
