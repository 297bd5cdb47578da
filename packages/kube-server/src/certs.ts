/* Certificates: the serving certificate for HTTPS and CA certificates for demo trust bundles. */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 24 * 3600 * 1000;

export interface GeneratedCert {
  certPem: string;
  keyPem: string;
  /** DER bytes of the certificate. */
  der: Buffer;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(
    await webcrypto.subtle.exportKey('pkcs8', key as any),
  );
  return `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A self-signed CA certificate (ECDSA P-256), optionally with a URI SAN such as `spiffe://example.org`. */
export async function generateCa(
  commonName: string,
  opts: { uri?: string; days?: number } = {},
): Promise<
  GeneratedCert & { keys: CryptoKeyPair; cert: x509.X509Certificate }
> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign |
        x509.KeyUsageFlags.cRLSign |
        x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (opts.uri)
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: opts.uri },
      ]),
    );
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + (opts.days ?? 365) * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions,
  });
  return {
    keys,
    cert,
    certPem: `${cert.toString('pem').trim()}\n`,
    keyPem: await keyPem(keys.privateKey),
    der: Buffer.from(cert.rawData),
  };
}

/** A CA and a serving certificate for `localhost` and 127.0.0.1 signed by it. */
export async function generateServingCert(
  hosts: string[] = ['localhost', '127.0.0.1'],
): Promise<{ ca: GeneratedCert; serving: GeneratedCert }> {
  const ca = await generateCa('kube-server-ca');
  const keys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const names = hosts.map(h =>
    /^[\d.]+$|:/.test(h)
      ? { type: 'ip' as const, value: h }
      : { type: 'dns' as const, value: h },
  );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=kube-server',
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return {
    ca,
    serving: {
      certPem: `${cert.toString('pem').trim()}\n`,
      keyPem: await keyPem(keys.privateKey),
      der: Buffer.from(cert.rawData),
    },
  };
}
