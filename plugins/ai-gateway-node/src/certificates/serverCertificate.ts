import {
  createHash,
  createPrivateKey,
  generateKeyPair,
  KeyObject,
  randomBytes,
  sign as cryptoSign,
  X509Certificate as NodeX509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { ServerCertificateMaterial } from '../intent/types';

/** How long a managed server certificate lives. */
export const SERVER_CERT_VALIDITY_DAYS = 365;
/** Renewed when fewer days than this are left. */
export const SERVER_CERT_RENEW_BEFORE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const generateKeyPairAsync = promisify(generateKeyPair);

/** The end of validity of a managed server certificate made at `issued`. */
export function serverCertificateNotAfter(issued: Date): Date {
  return new Date(issued.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS);
}

/** After this, `decideServerCertificate` renews a certificate valid until `notAfter`. */
export function serverCertificateRenewalTime(notAfter: Date): Date {
  return new Date(notAfter.getTime() - SERVER_CERT_RENEW_BEFORE_DAYS * DAY_MS);
}

export interface GatewaySanOptions {
  /** Namespace of the Envoy Gateway controller, where it creates the proxy Service. */
  envoyGatewayNamespace?: string;
  clusterDomain?: string;
}

/**
 * Envoy Gateway's name for the proxy Service of a Gateway (default deploy mode):
 * `envoy-<namespace>-<name>-<first 8 hex of sha256("<namespace>/<name>")>`, the
 * `<namespace>-<name>` part cut at 48 characters.
 */
export function envoyProxyServiceName(
  gatewayNamespace: string,
  gatewayName: string,
): string {
  const nsName = `${gatewayNamespace}/${gatewayName}`;
  const hash = createHash('sha256').update(nsName).digest('hex').slice(0, 8);
  let resource = nsName.replace(/\//g, '-');
  if (resource.length > 48) resource = resource.slice(0, 48).replace(/-+$/, '');
  return `envoy-${resource}-${hash}`;
}

/** DNS names agents use to reach a Gateway inside the cluster; the server certificate carries all. */
export function gatewayServerSans(
  gatewayName: string,
  namespace: string,
  options: GatewaySanOptions = {},
): string[] {
  const domain = options.clusterDomain ?? 'cluster.local';
  const egNamespace = options.envoyGatewayNamespace ?? 'envoy-gateway-system';
  const service = envoyProxyServiceName(namespace, gatewayName);
  const forms = (name: string, ns: string) => [
    name,
    `${name}.${ns}`,
    `${name}.${ns}.svc`,
    `${name}.${ns}.svc.${domain}`,
  ];
  return [...forms(gatewayName, namespace), ...forms(service, egNamespace)];
}

/**
 * A positive serial number from 16 random bytes, in minimal DER form: its first byte is 0x01 to
 * 0x7f. (Only clearing the sign bit left a first byte of 0x00 about once in 128 certificates; with
 * a second byte under 0x80 that is not valid DER, and OpenSSL refuses the certificate.)
 */
export function serialNumber(random: Uint8Array): Buffer {
  const bytes = Buffer.from(random);
  bytes[0] = bytes[0] & 0x7f || 0x01;
  return bytes;
}

/** DER of one element: its tag, its definite length and its content. */
function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = content.length === 1 ? content[0] : Buffer.concat(content);
  const n = body.length;
  let length: number[];
  if (n < 0x80) length = [n];
  else if (n < 0x100) length = [0x81, n];
  else if (n < 0x10000) length = [0x82, n >> 8, n & 0xff];
  else throw new Error(`DER element of ${n} bytes is too long`);
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

const SEQUENCE = 0x30;
const SET = 0x31;
const hex = (h: string) => Buffer.from(h, 'hex');
/** Object identifiers, DER-encoded (tag 06 included). */
const OID = {
  ecdsaWithSHA256: hex('06082a8648ce3d040302'), // 1.2.840.10045.4.3.2
  commonName: hex('0603550403'), // 2.5.4.3
  basicConstraints: hex('0603551d13'), // 2.5.29.19
  keyUsage: hex('0603551d0f'), // 2.5.29.15
  extKeyUsage: hex('0603551d25'), // 2.5.29.37
  subjectAltName: hex('0603551d11'), // 2.5.29.17
  subjectKeyIdentifier: hex('0603551d0e'), // 2.5.29.14
  serverAuth: hex('06082b06010505070301'), // 1.3.6.1.5.5.7.3.1
};
const SIGNATURE_ALGORITHM = der(SEQUENCE, OID.ecdsaWithSHA256);
const VERSION_3 = hex('a003020102'); // [0] EXPLICIT INTEGER 2
const CRITICAL = hex('0101ff'); // BOOLEAN TRUE

/** Time ::= UTCTime for 1950 to 2049, GeneralizedTime after (RFC 5280 4.1.2.5), whole seconds. */
function time(date: Date): Buffer {
  const digits = date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? der(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : der(0x18, Buffer.from(digits, 'ascii'));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(oid: Buffer, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der(SEQUENCE, oid, CRITICAL, der(0x04, value))
    : der(SEQUENCE, oid, der(0x04, value));
}

/** Name ::= one RDN with the common name as a UTF8String. */
function commonNameOnly(cn: string): Buffer {
  return der(
    SEQUENCE,
    der(SET, der(SEQUENCE, OID.commonName, der(0x0c, Buffer.from(cn, 'utf8')))),
  );
}

/** GeneralNames of dNSName entries ([2] IMPLICIT IA5String). */
function dnsNames(sans: string[]): Buffer {
  return der(
    SEQUENCE,
    ...sans.map(name => {
      if (!/^[\x21-\x7e]+$/.test(name)) {
        throw new Error(`'${name}' is not a DNS name a certificate can carry`);
      }
      return der(0x82, Buffer.from(name, 'ascii'));
    }),
  );
}

/** The public key point of a P-256 SubjectPublicKeyInfo (its BIT STRING's content). */
function publicKeyBits(spki: Buffer): Buffer {
  // SEQUENCE { AlgorithmIdentifier, BIT STRING (03 42 00 04 || X || Y) }: 91 bytes for P-256.
  if (spki.length !== 91 || spki[spki.length - 68] !== 0x03) {
    throw new Error('unexpected P-256 public key encoding');
  }
  return spki.subarray(spki.length - 65);
}

const signAsync = promisify(
  (
    data: Buffer,
    key: KeyObject,
    callback: (error: Error | null, signature: Buffer) => void,
  ) => cryptoSign('sha256', data, { key, dsaEncoding: 'der' }, callback),
);

/**
 * A self-signed ECDSA P-256 server certificate for the Gateway's in-cluster names, valid one
 * year from `now`. The key pair and the signature come from Node's crypto (both in its thread
 * pool); the DER is put together here from a fixed layout, since a fleet's first pass makes one
 * per access policy: serializing it through @peculiar/asn1-x509 cost about 1 ms of the event
 * loop's time per certificate, and @peculiar/x509's generator 4 ms. Node's X509Certificate then
 * reads the result back, so a malformed certificate fails here and is never stored.
 */
export async function generateServerCertificate(options: {
  sans: string[];
  now: Date;
  commonName?: string;
  /** The serial's random bytes (default: 16 fresh ones); tests pass their own. */
  serialBytes?: Uint8Array;
}): Promise<ServerCertificateMaterial> {
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'prime256v1',
  });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const notBefore = new Date(options.now.getTime() - 5 * 60 * 1000); // tolerate clock skew
  const notAfter = serverCertificateNotAfter(options.now);
  const name = commonNameOnly(
    (options.commonName ?? options.sans[0] ?? 'ai-gateway').slice(0, 64),
  );
  const tbs = der(
    SEQUENCE,
    VERSION_3,
    der(0x02, serialNumber(options.serialBytes ?? randomBytes(16))),
    SIGNATURE_ALGORITHM,
    name,
    der(SEQUENCE, time(notBefore), time(notAfter)),
    name,
    spki,
    der(
      0xa3, // [3] EXPLICIT Extensions
      der(
        SEQUENCE,
        // BasicConstraints: cA FALSE (the default, so an empty SEQUENCE).
        extension(OID.basicConstraints, true, der(SEQUENCE)),
        // KeyUsage: digitalSignature (bit 0; 7 unused bits).
        extension(OID.keyUsage, true, hex('03020780')),
        extension(OID.extKeyUsage, false, der(SEQUENCE, OID.serverAuth)),
        extension(OID.subjectAltName, false, dnsNames(options.sans)),
        extension(
          OID.subjectKeyIdentifier,
          false,
          der(0x04, createHash('sha1').update(publicKeyBits(spki)).digest()),
        ),
      ),
    ),
  );
  const signature = await signAsync(tbs, privateKey);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  const certDer = der(
    SEQUENCE,
    tbs,
    SIGNATURE_ALGORITHM,
    der(0x03, Buffer.from([0]), signature),
  );
  return {
    // Node's X509Certificate writes the PEM (and refuses a malformed DER).
    certPem: new NodeX509Certificate(certDer).toString(),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** A `kubernetes.io/tls` Secret as read from the cluster (values base64, as Kubernetes stores them). */
export interface TlsSecretLike {
  data?: Record<string, string | undefined>;
}

export type ServerCertificateDecision =
  | { action: 'keep'; material: ServerCertificateMaterial; notAfter: string }
  | { action: 'renew'; reason: string };

function decode(value: string | undefined): string | undefined {
  return value === undefined
    ? undefined
    : Buffer.from(value, 'base64').toString('utf8');
}

/**
 * Whether the managed server certificate in `existing` can stay: renew when there is none, it
 * cannot be read, its key does not match, it has the wrong SANs, or fewer than 30 days are left.
 * Pure (no clock, no randomness); generating the new one is the caller's side effect.
 */
export function decideServerCertificate(
  existing: TlsSecretLike | undefined,
  wantedSans: string[],
  now: Date,
): ServerCertificateDecision {
  if (!existing)
    return { action: 'renew', reason: 'no server certificate Secret yet' };
  const certPem = decode(existing.data?.['tls.crt']);
  const keyPem = decode(existing.data?.['tls.key']);
  if (!certPem || !keyPem) {
    return { action: 'renew', reason: 'the Secret lacks tls.crt or tls.key' };
  }
  let cert: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      return { action: 'renew', reason: 'tls.key does not match tls.crt' };
    }
  } catch (e) {
    return {
      action: 'renew',
      reason: `the certificate cannot be parsed: ${(e as Error).message}`,
    };
  }
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  if (notBefore.getTime() > now.getTime()) {
    return {
      action: 'renew',
      reason: `the certificate is not valid before ${notBefore.toISOString()}`,
    };
  }
  if (now.getTime() > serverCertificateRenewalTime(notAfter).getTime()) {
    return {
      action: 'renew',
      reason:
        notAfter.getTime() <= now.getTime()
          ? `the certificate expired ${notAfter.toISOString()}`
          : `the certificate expires ${notAfter.toISOString()}, in under ${SERVER_CERT_RENEW_BEFORE_DAYS} days`,
    };
  }
  const present = (cert.subjectAltName ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(s => s.startsWith('DNS:'))
    .map(s => s.slice(4));
  const missing = wantedSans.filter(s => !present.includes(s));
  const extra = present.filter(s => !wantedSans.includes(s));
  if (missing.length || extra.length) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      extra.length ? `not wanted ${extra.join(', ')}` : '',
    ].filter(Boolean);
    return {
      action: 'renew',
      reason: `the certificate has the wrong names (${parts.join('; ')})`,
    };
  }
  return {
    action: 'keep',
    material: { certPem, keyPem },
    notAfter: notAfter.toISOString(),
  };
}
