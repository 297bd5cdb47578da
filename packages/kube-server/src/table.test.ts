import { evalJsonPath, humanDuration } from './table';
import { parseFieldSelector, parseLabelSelector } from './selectors';

describe('evalJsonPath', () => {
  const obj = {
    spec: { providers: [{ name: 'a' }, { name: 'b' }] },
    status: {
      conditions: [
        { type: 'Accepted', status: 'True' },
        { type: 'Programmed', status: 'False' },
      ],
    },
  };
  it('evaluates the subset printer columns use', () => {
    expect(evalJsonPath(obj, '.spec.providers[*].name')).toEqual(['a', 'b']);
    expect(evalJsonPath(obj, '.spec.providers[1].name')).toEqual(['b']);
    expect(evalJsonPath(obj, '.status.conditions[-1:].type')).toEqual([
      'Programmed',
    ]);
    expect(
      evalJsonPath(obj, '.status.conditions[?(@.type=="Accepted")].status'),
    ).toEqual(['True']);
    expect(evalJsonPath(obj, '.spec.missing')).toEqual([]);
  });
});

describe('humanDuration', () => {
  it('formats ages as kubectl does', () => {
    const s = 1000;
    expect(humanDuration(65 * s)).toBe('65s');
    expect(humanDuration(150 * s)).toBe('2m30s');
    expect(humanDuration(20 * 60 * s)).toBe('20m');
    expect(humanDuration(5 * 3600 * s + 7 * 60 * s)).toBe('5h7m');
    expect(humanDuration(30 * 3600 * s)).toBe('30h');
    expect(humanDuration(3 * 86400 * s + 4 * 3600 * s)).toBe('3d4h');
    expect(humanDuration(40 * 86400 * s)).toBe('40d');
  });
});

describe('selectors', () => {
  const o = {
    metadata: {
      name: 'x',
      namespace: 'n',
      labels: { app: 'web', tier: 'front' },
    },
    involvedObject: { name: 'p' },
  };
  it('parses the label selector grammar', () => {
    for (const [sel, want] of [
      ['app=web', true],
      ['app==web,tier=front', true],
      ['app!=web', false],
      ['app in (web, api)', true],
      ['app notin (web)', false],
      ['tier', true],
      ['!tier', false],
      ['!missing,app in (web)', true],
    ] as const) {
      expect([sel, parseLabelSelector(sel)(o)]).toEqual([sel, want]);
    }
    expect(() => parseLabelSelector('app in web')).toThrow(/unable to parse/);
  });
  it('matches field selectors on any dotted path', () => {
    expect(parseFieldSelector('metadata.name=x,metadata.namespace!=m')(o)).toBe(
      true,
    );
    expect(parseFieldSelector('involvedObject.name=q')(o)).toBe(false);
  });
});
