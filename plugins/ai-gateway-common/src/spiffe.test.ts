import {
  agentSpiffeId,
  parseSpiffeId,
  parseSpiffeIdPrefix,
  spiffeIdAdmitted,
} from './spiffe';

describe('parseSpiffeId', () => {
  it.each([
    [
      'spiffe://localtest.me/ns/team1/sa/weather-agent',
      'localtest.me',
      '/ns/team1/sa/weather-agent',
    ],
    ['spiffe://example.org', 'example.org', ''],
    ['spiffe://td_1-x.y/A.b-c_D/0', 'td_1-x.y', '/A.b-c_D/0'],
    ['spiffe://localtest.me/...x', 'localtest.me', '/...x'],
  ])('accepts %s', (id, trustDomain, path) => {
    expect(parseSpiffeId(id)).toEqual({ ok: true, trustDomain, path });
  });

  it.each([
    ['https://localtest.me/ns/x', 'must start with "spiffe://"'],
    ['SPIFFE://localtest.me/ns/x', 'must start with "spiffe://"'],
    ['spiffe://', 'trust domain is missing'],
    ['spiffe:///ns/x', 'trust domain is missing'],
    [
      'spiffe://Localtest.me/ns/x',
      'trust domain "Localtest.me" may contain only lowercase letters, digits, ".", "-" and "_"',
    ],
    ['spiffe://localtest.me:8443/ns/x', 'must not contain a port'],
    ['spiffe://user@localtest.me/ns/x', 'must not contain userinfo'],
    ['spiffe://localtest.me/ns/x?a=b', 'must not contain a query'],
    ['spiffe://localtest.me/ns/x#frag', 'must not contain a fragment'],
    ['spiffe://localtest.me/ns/x/', 'path must not end with "/"'],
    ['spiffe://localtest.me/', 'path must not end with "/"'],
    ['spiffe://localtest.me/ns//x', 'path segments must not be empty'],
    ['spiffe://localtest.me/ns/./x', 'path segments must not be "." or ".."'],
    ['spiffe://localtest.me/ns/../x', 'path segments must not be "." or ".."'],
    [
      'spiffe://localtest.me/ns/x%20y',
      'path segment "x%20y" may contain only letters, digits, ".", "-" and "_"',
    ],
    [
      'spiffe://localtest.me/ns/ü',
      'path segment "ü" may contain only letters, digits, ".", "-" and "_"',
    ],
    [`spiffe://localtest.me/${'a'.repeat(2048)}`, 'must be at most 2048 bytes'],
    [
      `spiffe://${'a'.repeat(256)}`,
      'trust domain must be at most 255 characters',
    ],
  ])('rejects %s', (id, message) => {
    expect(parseSpiffeId(id)).toEqual({ ok: false, message });
  });

  it('counts bytes, not characters, for the 2048 limit', () => {
    // 2048 ASCII characters are fine; 2048 characters of which one takes two bytes are not.
    const ascii = `spiffe://td/${'a'.repeat(2047 - 'spiffe://td/'.length)}`;
    expect(parseSpiffeId(`${ascii}a`).ok).toBe(true);
    expect(parseSpiffeId(`${ascii}é`)).toEqual({
      ok: false,
      message: 'must be at most 2048 bytes',
    });
  });

  it('lets prefixes end with a slash', () => {
    expect(parseSpiffeIdPrefix('spiffe://localtest.me/ns/team1/')).toEqual({
      ok: true,
      trustDomain: 'localtest.me',
      path: '/ns/team1',
    });
    expect(parseSpiffeIdPrefix('spiffe://localtest.me/ns//').ok).toBe(false);
  });
});

describe('agentSpiffeId and spiffeIdAdmitted', () => {
  const id = agentSpiffeId('localtest.me', 'team1', 'weather-agent');

  it('derives the SPIRE workload ID', () => {
    expect(id).toBe('spiffe://localtest.me/ns/team1/sa/weather-agent');
  });

  it('admits the whole trust domain without allowed subjects', () => {
    expect(spiffeIdAdmitted(id, 'localtest.me')).toBe(true);
    expect(spiffeIdAdmitted(id, 'other.org')).toBe(false);
  });

  it('matches spiffeId exactly and spiffeIdPrefix by prefix', () => {
    expect(
      spiffeIdAdmitted(id, 'localtest.me', [
        { spiffeIdPrefix: 'spiffe://localtest.me/ns/team1/' },
      ]),
    ).toBe(true);
    expect(
      spiffeIdAdmitted(id, 'localtest.me', [
        { spiffeIdPrefix: 'spiffe://localtest.me/ns/team2/' },
      ]),
    ).toBe(false);
    expect(spiffeIdAdmitted(id, 'localtest.me', [{ spiffeId: id }])).toBe(true);
    expect(
      spiffeIdAdmitted(id, 'localtest.me', [{ spiffeId: `${id}-2` }]),
    ).toBe(false);
  });
});
