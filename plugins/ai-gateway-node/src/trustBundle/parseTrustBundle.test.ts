import { makeCa, spiffeBundle, type TestCa } from '../__testUtils__/certs';
import { describeBundle, parseTrustBundle } from './parseTrustBundle';

const now = new Date('2026-11-26T12:00:00Z');
const day = 24 * 60 * 60 * 1000;
const at = (offsetDays: number) => new Date(now.getTime() + offsetDays * day);

let valid: TestCa;
let valid2: TestCa;
let expired: TestCa;
let future: TestCa;

beforeAll(async () => {
  valid = await makeCa({ notBefore: at(-30), notAfter: at(300), serial: '01' });
  valid2 = await makeCa({ notBefore: at(-1), notAfter: at(90), serial: '02' });
  expired = await makeCa({
    notBefore: at(-400),
    notAfter: at(-35),
    serial: '03',
  });
  future = await makeCa({ notBefore: at(10), notAfter: at(400), serial: '04' });
});

describe('parseTrustBundle', () => {
  it('reads a SPIFFE bundle: x509-svid keys only, earliest expiry and spiffe_sequence', () => {
    const result = parseTrustBundle(
      spiffeBundle([valid, valid2], { sequence: 12, jwtKeys: 2 }),
      { now },
    );
    expect(result).toMatchObject({
      ok: true,
      format: 'spiffe',
      sequence: 12,
      earliestExpiry: at(90).toISOString(),
    });
    if (!result.ok) throw new Error();
    expect(result.certificates.map(c => c.subject)).toEqual([
      'C=US, O=SPIFFE, CN=SPIRE CA 01',
      'C=US, O=SPIFFE, CN=SPIRE CA 02',
    ]);
    expect(result.pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(describeBundle(result)).toBe(
      `2 certificates from SPIFFE bundle, earliest expiry ${at(
        90,
      ).toISOString()}, sequence 12`,
    );
  });

  it('reads PEM bundles (SPIRE k8sbundle notifier)', () => {
    const result = parseTrustBundle(`${valid.pem}\n${valid2.pem}`, { now });
    expect(result).toMatchObject({
      ok: true,
      format: 'pem',
      earliestExpiry: at(90).toISOString(),
    });
    expect(result.ok && result.sequence).toBe(undefined);
  });

  it('drops expired and not-yet-valid certificates and says so', () => {
    const result = parseTrustBundle(spiffeBundle([expired, valid, future]), {
      now,
    });
    if (!result.ok) throw new Error(result.message);
    expect(result.certificates).toHaveLength(1);
    expect(result.pem).toBe(`${valid.pem.trim()}\n`);
    expect(result.dropped.map(d => d.reason)).toEqual([
      `expired ${at(-35).toISOString()}`,
      `not valid before ${at(10).toISOString()}`,
    ]);
    expect(describeBundle(result)).toMatch(
      /1 certificate from SPIFFE bundle.*2 left out/,
    );
    // The result holds until the not-yet-valid one becomes valid (before the valid one expires).
    expect(result.changesAt).toBe(at(10).toISOString());
    expect(
      parseTrustBundle(spiffeBundle([valid, valid2]), { now }),
    ).toMatchObject({ changesAt: at(90).toISOString() });
  });

  it('decides validity at each call, also for a bundle it has read before', () => {
    const bundle = spiffeBundle([valid, valid2], { sequence: 3 });
    const today = parseTrustBundle(bundle, { now });
    const later = parseTrustBundle(bundle, { now: at(100) });
    const muchLater = parseTrustBundle(bundle, {
      now: at(301),
      source: 'ConfigMap a/b key c',
    });
    expect(today.ok && today.certificates).toHaveLength(2);
    if (!later.ok) throw new Error(later.message);
    expect(later.certificates.map(c => c.subject)).toEqual([
      'C=US, O=SPIFFE, CN=SPIRE CA 01',
    ]);
    expect(later.dropped).toEqual([
      {
        subject: 'C=US, O=SPIFFE, CN=SPIRE CA 02',
        reason: `expired ${at(90).toISOString()}`,
      },
    ]);
    expect(muchLater).toMatchObject({
      ok: false,
      reason: 'BundleExpired',
      message: expect.stringMatching(/^ConfigMap a\/b key c: none of its 2/),
    });
    // Every certificate expired: nothing changes with time any more.
    expect(muchLater).not.toHaveProperty('changesAt');
    // The first reading is not changed by the later ones.
    expect(today.ok && today.dropped).toEqual([]);
  });

  it('fails with BundleExpired when no certificate is valid now, naming each one', () => {
    const result = parseTrustBundle(`${expired.pem}${future.pem}`, {
      now,
      source: 'ConfigMap spire-system/spire-bundle key bundle.crt',
    });
    expect(result).toEqual({
      ok: false,
      reason: 'BundleExpired',
      message: expect.stringMatching(
        /^ConfigMap spire-system\/spire-bundle key bundle\.crt: none of its 2 certificate\(s\) is valid now \(.*CA 03: expired.*CA 04: not valid before/,
      ),
      changesAt: at(10).toISOString(),
    });
  });

  it('fails with BundleEmpty for a SPIFFE bundle of JWT keys only', () => {
    const result = parseTrustBundle(spiffeBundle([], { jwtKeys: 2 }), { now });
    expect(result).toMatchObject({
      ok: false,
      reason: 'BundleEmpty',
      message: expect.stringMatching(/without x509-svid keys/),
    });
  });

  it.each([
    ['an empty string', '', 'BundleEmpty'],
    ['whitespace', '  \n', 'BundleEmpty'],
    [
      'a PEM file without certificates',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      'BundleEmpty',
    ],
    ['garbage', 'hello world', 'BundleParseError'],
    ['broken JSON', '{"keys": [', 'BundleParseError'],
    ['JSON that is not a bundle', '{"foo": 1}', 'BundleParseError'],
    [
      'an x509-svid key without x5c',
      '{"keys":[{"use":"x509-svid","kty":"EC"}]}',
      'BundleParseError',
    ],
    [
      'a corrupt certificate',
      '{"keys":[{"use":"x509-svid","x5c":["AAAA"]}]}',
      'BundleParseError',
    ],
    [
      'a corrupt PEM block',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      'BundleParseError',
    ],
  ])('fails on %s with %s', (_, content, reason) => {
    const result = parseTrustBundle(content, { now });
    expect(result).toMatchObject({ ok: false, reason });
    expect(!result.ok && result.message.length).toBeGreaterThan(20);
  });

  it('fails with BundleNotFound when there is no content, naming the source', () => {
    expect(
      parseTrustBundle(undefined, {
        now,
        source: 'ConfigMap spire-system/spire-bundle',
      }),
    ).toEqual({
      ok: false,
      reason: 'BundleNotFound',
      message: 'ConfigMap spire-system/spire-bundle was not found',
    });
  });
});
