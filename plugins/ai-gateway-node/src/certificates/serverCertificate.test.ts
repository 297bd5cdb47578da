import { X509Certificate, createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import {
  decideServerCertificate,
  envoyProxyServiceName,
  gatewayServerSans,
  generateServerCertificate,
  serialNumber,
} from './serverCertificate';

const now = new Date('2026-11-26T12:00:00Z');
const day = 24 * 60 * 60 * 1000;
const sans = gatewayServerSans('ai-gateway', 'team1');

const asSecret = (m: { certPem: string; keyPem: string }) => ({
  data: {
    'tls.crt': Buffer.from(m.certPem).toString('base64'),
    'tls.key': Buffer.from(m.keyPem).toString('base64'),
  },
});

describe('server certificate', () => {
  it("covers the Gateway's in-cluster names and Envoy Gateway's proxy Service", () => {
    expect(sans).toEqual([
      'ai-gateway',
      'ai-gateway.team1',
      'ai-gateway.team1.svc',
      'ai-gateway.team1.svc.cluster.local',
      'envoy-team1-ai-gateway-cc75fc70',
      'envoy-team1-ai-gateway-cc75fc70.envoy-gateway-system',
      'envoy-team1-ai-gateway-cc75fc70.envoy-gateway-system.svc',
      'envoy-team1-ai-gateway-cc75fc70.envoy-gateway-system.svc.cluster.local',
    ]);
    // Envoy Gateway cuts `<namespace>-<name>` at 48 characters before the hash.
    expect(
      envoyProxyServiceName(
        'a-very-long-namespace-name',
        'and-an-even-longer-gateway-name',
      ),
    ).toMatch(
      /^envoy-a-very-long-namespace-name-and-an-even-longer-ga-[0-9a-f]{8}$/,
    );
  });

  it('generates an ECDSA P-256 certificate valid for one year with those SANs and a matching key', async () => {
    const m = await generateServerCertificate({ sans, now });
    const cert = new X509Certificate(m.certPem);
    expect(cert.publicKey.asymmetricKeyDetails).toEqual({
      namedCurve: 'prime256v1',
    });
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBe(365 * day);
    expect(cert.subjectAltName).toBe(sans.map(s => `DNS:${s}`).join(', '));
    expect(cert.checkPrivateKey(createPrivateKey(m.keyPem))).toBe(true);
    expect(cert.ca).toBe(false);
  });

  it('gives every certificate a positive serial in minimal DER form, whatever the random bytes', async () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), random => {
        const serial = new Uint8Array(serialNumber(random));
        expect(serial).toHaveLength(16);
        expect(serial[0]).toBeGreaterThanOrEqual(0x01);
        expect(serial[0]).toBeLessThanOrEqual(0x7f);
        expect([...serial.slice(1)]).toEqual([...random.slice(1)]);
      }),
    );
    // Random bytes that once made a 0x00 first byte and a certificate OpenSSL refused.
    for (const first of [0x00, 0x80]) {
      const serialBytes = new Uint8Array(16).fill(0x11);
      serialBytes[0] = first;
      const m = await generateServerCertificate({ sans, now, serialBytes });
      expect(new X509Certificate(m.certPem).serialNumber).toBe(
        `01${'11'.repeat(15)}`,
      );
    }
  });

  it('writes certificates that read back with exactly the names, serial, validity and key asked for', async () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(label, { minLength: 1, maxLength: 4 }).map(l => l.join('.')),
          { minLength: 1, maxLength: 12 },
        ),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        // UTCTime up to 2049, GeneralizedTime from 2050 on.
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2090-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.option(fc.string({ minLength: 1, maxLength: 80 }), {
          nil: undefined,
        }),
        async (names, serialBytes, at, commonName) => {
          const m = await generateServerCertificate({
            sans: names,
            now: at,
            serialBytes,
            commonName,
          });
          const cert = new X509Certificate(m.certPem);
          expect(cert.subjectAltName).toBe(
            names.map(n => `DNS:${n}`).join(', '),
          );
          const cn = (commonName ?? names[0]).slice(0, 64);
          expect(cert.subject).toBe(cert.issuer);
          expect(cert.verify(cert.publicKey)).toBe(true);
          expect(cert.checkPrivateKey(createPrivateKey(m.keyPem))).toBe(true);
          expect(cert.serialNumber).toBe(
            Buffer.from(serialNumber(serialBytes))
              .toString('hex')
              .toUpperCase(),
          );
          const second = Math.floor(at.getTime() / 1000) * 1000;
          expect(new Date(cert.validFrom).getTime()).toBe(second - 5 * 60_000);
          expect(new Date(cert.validTo).getTime()).toBe(second + 365 * day);
          expect(cert.ca).toBe(false);
          expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
          expect(JSON.stringify(cert.toLegacyObject().subject.CN)).toBe(
            JSON.stringify(cn),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a name a DNS SAN cannot carry', async () => {
    await expect(
      generateServerCertificate({ sans: ['gateway.ünïcode'], now }),
    ).rejects.toThrow(/not a DNS name/);
  });

  describe('decideServerCertificate', () => {
    let current: { certPem: string; keyPem: string };
    beforeAll(async () => {
      current = await generateServerCertificate({ sans, now });
    });

    it('keeps a good certificate and hands back its material', () => {
      expect(
        decideServerCertificate(
          asSecret(current),
          sans,
          new Date(now.getTime() + 100 * day),
        ),
      ).toEqual({
        action: 'keep',
        material: current,
        notAfter: new Date(now.getTime() + 365 * day).toISOString(),
      });
    });

    it('renews when there is no Secret or it lacks a key', () => {
      expect(decideServerCertificate(undefined, sans, now)).toEqual({
        action: 'renew',
        reason: 'no server certificate Secret yet',
      });
      expect(
        decideServerCertificate(
          { data: { 'tls.crt': asSecret(current).data['tls.crt'] } },
          sans,
          now,
        ),
      ).toMatchObject({
        action: 'renew',
        reason: expect.stringMatching(/tls.key/),
      });
    });

    it('renews under 30 days before expiry, not at 31', () => {
      expect(
        decideServerCertificate(
          asSecret(current),
          sans,
          new Date(now.getTime() + 334 * day),
        ),
      ).toMatchObject({ action: 'keep' });
      expect(
        decideServerCertificate(
          asSecret(current),
          sans,
          new Date(now.getTime() + 336 * day),
        ),
      ).toMatchObject({
        action: 'renew',
        reason: expect.stringMatching(/under 30 days/),
      });
      expect(
        decideServerCertificate(
          asSecret(current),
          sans,
          new Date(now.getTime() + 400 * day),
        ),
      ).toMatchObject({
        action: 'renew',
        reason: expect.stringMatching(/expired/),
      });
    });

    it('renews when the SANs are wrong (Gateway renamed)', () => {
      const wanted = gatewayServerSans('other-gateway', 'team1');
      expect(
        decideServerCertificate(asSecret(current), wanted, now),
      ).toMatchObject({
        action: 'renew',
        reason: expect.stringMatching(/wrong names \(missing other-gateway/),
      });
    });

    it('renews an unparsable certificate or a key that does not match', async () => {
      expect(
        decideServerCertificate(
          asSecret({ certPem: 'garbage', keyPem: current.keyPem }),
          sans,
          now,
        ),
      ).toMatchObject({
        action: 'renew',
        reason: expect.stringMatching(/cannot be parsed/),
      });
      const other = await generateServerCertificate({ sans, now });
      expect(
        decideServerCertificate(
          asSecret({ certPem: current.certPem, keyPem: other.keyPem }),
          sans,
          now,
        ),
      ).toMatchObject({
        action: 'renew',
        reason: 'tls.key does not match tls.crt',
      });
    });
  });
});
