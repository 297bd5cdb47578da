import fc from 'fast-check';
import { dnsName, isDnsLabel, isSectionName, ruleNameFor } from './names';

describe('names', () => {
  it('keeps short names as written', () => {
    expect(dnsName('team1-models', 'openai')).toBe('team1-models-openai');
  });

  it('cuts long names to 63 characters ending in a hash of the full name', () => {
    const a = dnsName('x'.repeat(60), 'provider-a');
    const b = dnsName('x'.repeat(60), 'provider-b');
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(isDnsLabel(a)).toBe(true);
  });

  it('turns model names into valid rule names, unchanged when already valid', () => {
    expect(ruleNameFor('gpt-4o')).toBe('gpt-4o');
    expect(ruleNameFor('qwen2.5:3b')).toMatch(/^qwen2\.5-3b-[0-9a-f]{8}$/);
    expect(ruleNameFor('Meta/Llama 3.1')).toMatch(
      /^meta-llama-3\.1-[0-9a-f]{8}$/,
    );
    expect(ruleNameFor('route-not-found')).toMatch(
      /^route-not-found-[0-9a-f]{8}$/,
    );
    expect(ruleNameFor(':::')).toMatch(/^model-[0-9a-f]{8}$/);
  });

  it('never makes two different model names the same rule name, and always a valid one', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        (a, b) => {
          expect(isSectionName(ruleNameFor(a))).toBe(true);
          expect(ruleNameFor(a) === ruleNameFor(b)).toBe(a === b);
        },
      ),
    );
  });
});
