import {
  conditionHealth,
  formatLimit,
  formatRelative,
  trustDomainOf,
  worstHealth,
} from './format';

describe('format', () => {
  it('marks conditions good, bad or pending', () => {
    expect(conditionHealth({ type: 'Accepted', status: 'True' })).toBe('ok');
    expect(conditionHealth({ type: 'Accepted', status: 'False' })).toBe(
      'error',
    );
    expect(conditionHealth({ type: 'Programmed', status: 'Unknown' })).toBe(
      'pending',
    );
    expect(conditionHealth({ type: 'NotAccepted', status: 'True' })).toBe(
      'error',
    );
    expect(worstHealth(['ok', 'pending', 'error'])).toBe('error');
    expect(worstHealth(['ok'])).toBe('ok');
  });

  it('formats limits with their window and token mode', () => {
    expect(
      formatLimit({
        kind: 'tokens',
        limit: 100000,
        window: 'Hour',
        tokenCountMode: 'TotalToken',
      }),
    ).toBe('100,000 tokens / hour (total)');
    expect(formatLimit({ kind: 'requests', limit: 60, window: 'Minute' })).toBe(
      '60 requests / minute',
    );
  });

  it('formats ages relative to now', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelative('2026-01-03T12:00:00Z', now)).toBe('in 2 days');
    expect(formatRelative(undefined, now)).toBeUndefined();
    expect(formatRelative('garbage', now)).toBeUndefined();
  });

  it('reads the trust domain of a SPIFFE ID', () => {
    expect(trustDomainOf('spiffe://localtest.me/ns/a/sa/b')).toBe(
      'localtest.me',
    );
    expect(trustDomainOf('https://x')).toBeUndefined();
  });
});
