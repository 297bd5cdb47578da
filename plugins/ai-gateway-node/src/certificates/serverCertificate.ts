import {
  createHash,
  createPrivateKey,
  generateKeyPair,
  randomBytes,
  sign as cryptoSign,
  X509Certificate as NodeX509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import type { ServerCertificateMaterial } from '../intent/types';

/** How long a managed server certificate lives. */
export const SERVER_CERT_VALIDITY_DAYS = 365;
/** Renewed when fewer days than this are left. */
export const SERVER_CERT_RENEW_BEFORE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const generateKeyPairAsync = promisify(generateKeyPair);

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

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ECDSA_WITH_SHA256_DER = Buffer.from(
  AsnConvert.serialize(
    new asn1x509.AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
  ),
);

/**
 * A positive serial number from 16 random bytes, in minimal DER form: its first byte is 0x01 to
 * 0x7f. (Only clearing the sign bit left a first byte of 0x00 about once in 128 certificates; with
 * a second byte under 0x80 that is not valid DER, and OpenSSL refuses the certificate.)
 */
export function serialNumber(random: Uint8Array): ArrayBuffer {
  const bytes = new Uint8Array(random);
  bytes[0] = bytes[0] & 0x7f || 0x01;
  return bytes.buffer;
}

/** DER of one element: its tag, its definite length and its content. */
function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  let length: number[];
  if (n < 0x80) length = [n];
  else if (n < 0x100) length = [0x81, n];
  else if (n < 0x10000) length = [0x82, n >> 8, n & 0xff];
  else throw new Error(`DER element of ${n} bytes is too long`);
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

function extension(extnID: string, critical: boolean, value: unknown) {
  return new asn1x509.Extension({
    extnID,
    critical,
    extnValue: new OctetString(AsnConvert.serialize(value)),
  });
}

/**
 * A self-signed ECDSA P-256 server certificate for the Gateway's in-cluster names, valid one
 * year from `now`. The key and the signature come from Node's crypto; the certificate structure
 * is @peculiar/asn1-x509's, serialized once (building it through @peculiar/x509's generator
 * parsed every part back and cost about 4 ms of CPU per certificate, which a fleet's first pass
 * paid once per access policy).
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
  const spki = AsnConvert.parse(
    publicKey.export({ type: 'spki', format: 'der' }),
    asn1x509.SubjectPublicKeyInfo,
  );
  const notBefore = new Date(options.now.getTime() - 5 * 60 * 1000); // tolerate clock skew
  const notAfter = new Date(
    options.now.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS,
  );
  const cn = (options.commonName ?? options.sans[0] ?? 'ai-gateway').slice(
    0,
    64,
  );
  const name = new asn1x509.Name([
    new asn1x509.RelativeDistinguishedName([
      new asn1x509.AttributeTypeAndValue({
        type: COMMON_NAME,
        value: new asn1x509.AttributeValue({ utf8String: cn }),
      }),
    ]),
  ]);
  const signature = new asn1x509.AlgorithmIdentifier({
    algorithm: ECDSA_WITH_SHA256,
  });
  const keyUsage = new asn1x509.KeyUsage(
    asn1x509.KeyUsageFlags.digitalSignature,
  );
  const tbs = new asn1x509.TBSCertificate({
    version: asn1x509.Version.v3,
    serialNumber: serialNumber(options.serialBytes ?? randomBytes(16)),
    signature,
    issuer: name,
    validity: new asn1x509.Validity({ notBefore, notAfter }),
    subject: name,
    subjectPublicKeyInfo: spki,
    extensions: new asn1x509.Extensions([
      extension(
        asn1x509.id_ce_basicConstraints,
        true,
        new asn1x509.BasicConstraints({ cA: false }),
      ),
      extension(asn1x509.id_ce_keyUsage, true, keyUsage),
      extension(
        asn1x509.id_ce_extKeyUsage,
        false,
        new asn1x509.ExtendedKeyUsage([asn1x509.id_kp_serverAuth]),
      ),
      extension(
        asn1x509.id_ce_subjectAltName,
        false,
        new asn1x509.SubjectAlternativeName(
          options.sans.map(dNSName => new asn1x509.GeneralName({ dNSName })),
        ),
      ),
      extension(
        asn1x509.id_ce_subjectKeyIdentifier,
        false,
        new asn1x509.SubjectKeyIdentifier(
          new Uint8Array(
            createHash('sha1')
              .update(new Uint8Array(spki.subjectPublicKey))
              .digest(),
          ).buffer,
        ),
      ),
    ]),
  });
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }:
  // put together from the TBS bytes that were signed, rather than serializing them again.
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signatureValue = cryptoSign('sha256', tbsDer, {
    key: privateKey,
    dsaEncoding: 'der',
  });
  const certDer = der(
    0x30,
    tbsDer,
    ECDSA_WITH_SHA256_DER,
    der(0x03, Buffer.from([0]), signatureValue),
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
  const left = notAfter.getTime() - now.getTime();
  if (left < SERVER_CERT_RENEW_BEFORE_DAYS * DAY_MS) {
    return {
      action: 'renew',
      reason:
        left <= 0
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
