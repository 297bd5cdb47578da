/* Test helper: real X.509 certificates, made with the same library the package uses. */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  pem: string;
  der: ArrayBuffer;
  /** base64 DER, as in a SPIFFE bundle's `x5c`. */
  x5c: string;
}

/** A CA certificate like SPIRE's: `O=SPIFFE`, URI SAN of the trust domain, CA basic constraints. */
export async function makeCa(options: {
  trustDomain?: string;
  notBefore: Date;
  notAfter: Date;
  serial?: string;
}): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const td = options.trustDomain ?? 'localtest.me';
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: options.serial ?? '01',
      name: `C=US, O=SPIFFE, CN=SPIRE CA ${options.serial ?? '01'}`,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: `spiffe://${td}` },
        ]),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  return {
    pem: cert.toString('pem'),
    der: cert.rawData,
    x5c: Buffer.from(cert.rawData).toString('base64'),
  };
}

/** A SPIFFE bundle document (JWK set) with the CAs as x509-svid keys and optional JWT keys. */
export function spiffeBundle(
  cas: TestCa[],
  options: { sequence?: number; jwtKeys?: number } = {},
): string {
  const keys: unknown[] = cas.map((ca, i) => ({
    use: 'x509-svid',
    kty: 'EC',
    crv: 'P-256',
    x: `x${i}`,
    y: `y${i}`,
    x5c: [ca.x5c],
  }));
  for (let i = 0; i < (options.jwtKeys ?? 0); i++) {
    keys.push({
      use: 'jwt-svid',
      kty: 'EC',
      kid: `kid-${i}`,
      crv: 'P-256',
      x: 'x',
      y: 'y',
    });
  }
  return JSON.stringify(
    { keys, spiffe_refresh_hint: 300, spiffe_sequence: options.sequence ?? 1 },
    null,
    2,
  );
}
