import {
  createHash,
  createPrivateKey,
  webcrypto,
  X509Certificate as NodeX509Certificate,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ServerCertificateMaterial } from '../intent/types';

/** How long a managed server certificate lives. */
export const SERVER_CERT_VALIDITY_DAYS = 365;
/** Renewed when fewer days than this are left. */
export const SERVER_CERT_RENEW_BEFORE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

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

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

function pemOf(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * A self-signed ECDSA P-256 server certificate for the Gateway's in-cluster names, valid one
 * year from `now`. Uses Node's WebCrypto through @peculiar/x509.
 */
export async function generateServerCertificate(options: {
  sans: string[];
  now: Date;
  commonName?: string;
}): Promise<ServerCertificateMaterial> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const notBefore = new Date(options.now.getTime() - 5 * 60 * 1000); // tolerate clock skew
  const notAfter = new Date(
    options.now.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS,
  );
  const cn = (options.commonName ?? options.sans[0] ?? 'ai-gateway').slice(
    0,
    64,
  );
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${cn}`,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [x509.ExtendedKeyUsage.serverAuth],
          false,
        ),
        new x509.SubjectAlternativeNameExtension(
          options.sans.map(value => ({ type: 'dns' as const, value })),
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: pemOf('PRIVATE KEY', pkcs8) };
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
