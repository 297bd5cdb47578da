import { X509Certificate } from '@peculiar/x509';

export interface BundleCertificate {
  subject: string;
  notBefore: string;
  notAfter: string;
  pem: string;
}

export type BundleFormat = 'spiffe' | 'pem';

export type TrustBundleFailureReason =
  | 'BundleNotFound'
  | 'BundleEmpty'
  | 'BundleParseError'
  | 'BundleExpired';

export type TrustBundleResult =
  | {
      ok: true;
      format: BundleFormat;
      /** The certificates valid at `now`, in bundle order. */
      certificates: BundleCertificate[];
      /** The valid certificates as one PEM document (what `ca.crt` holds). */
      pem: string;
      earliestExpiry: string;
      /** `spiffe_sequence` of a SPIFFE bundle. */
      sequence?: number;
      /** Certificates left out, with why (expired, not yet valid). */
      dropped: Array<{ subject: string; reason: string }>;
      /** When the next certificate expires or becomes valid: the result is the same until then. */
      changesAt: string;
    }
  | {
      ok: false;
      reason: TrustBundleFailureReason;
      message: string;
      /** For a bundle of certificates none valid yet: when the first becomes valid. */
      changesAt?: string;
    };

export interface ParseTrustBundleOptions {
  now: Date;
  /** Where the bundle came from, for messages, e.g. `ConfigMap spire-system/spire-bundle key bundle.spiffe`. */
  source?: string;
}

const PEM_CERT =
  /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

function fail(
  reason: TrustBundleFailureReason,
  message: string,
): TrustBundleResult {
  return { ok: false, reason, message };
}

function fromBase64(text: string): ArrayBuffer {
  const bytes = Buffer.from(text.replace(/\s+/g, ''), 'base64');
  return bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
}

/** DER certificates of a SPIFFE bundle (JWK set), keeping only `x509-svid` keys. */
function spiffeCertificates(
  text: string,
  where: string,
): { ders: ArrayBuffer[]; sequence?: number } | { error: TrustBundleResult } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return {
      error: fail(
        'BundleParseError',
        `${where} is not valid JSON: ${(e as Error).message}`,
      ),
    };
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) {
    return {
      error: fail(
        'BundleParseError',
        `${where} is JSON but not a SPIFFE bundle: it has no "keys" array`,
      ),
    };
  }
  const ders: ArrayBuffer[] = [];
  for (const key of keys as Array<Record<string, unknown>>) {
    if (key?.use !== 'x509-svid') continue;
    const x5c = key.x5c;
    if (!Array.isArray(x5c) || x5c.length === 0 || typeof x5c[0] !== 'string') {
      return {
        error: fail(
          'BundleParseError',
          `${where}: an x509-svid key has no "x5c" certificate`,
        ),
      };
    }
    // SPIFFE puts exactly one CA certificate in each x509-svid key.
    ders.push(fromBase64(x5c[0]));
  }
  const seq = (doc as { spiffe_sequence?: unknown }).spiffe_sequence;
  return { ders, ...(typeof seq === 'number' ? { sequence: seq } : {}) };
}

/** A bundle's certificates as decoded, before the clock decides which are valid. */
interface DecodedBundle {
  format: BundleFormat;
  sequence?: number;
  certificates: BundleCertificate[];
}

/**
 * Decoded bundles by their text. Every access policy of a cluster usually names the same bundle,
 * and decoding its certificates (ASN.1 in JavaScript) cost more than the rest of a policy's render:
 * a bundle is decoded once per distinct content. Failures are not kept (their messages name
 * the source). Bounded; the oldest entry goes first.
 */
const decoded = new Map<string, DecodedBundle>();
const DECODED_MAX = 64;

function decodeBundle(
  text: string,
  where: string,
): DecodedBundle | { error: TrustBundleResult } {
  const known = decoded.get(text);
  if (known) return known;
  let format: BundleFormat;
  let ders: ArrayBuffer[];
  let sequence: number | undefined;
  if (text.startsWith('{')) {
    format = 'spiffe';
    const parsed = spiffeCertificates(text, where);
    if ('error' in parsed) return parsed;
    ders = parsed.ders;
    sequence = parsed.sequence;
  } else if (text.includes('-----BEGIN')) {
    format = 'pem';
    ders = [...text.matchAll(PEM_CERT)].map(m => fromBase64(m[1]));
  } else {
    return {
      error: fail(
        'BundleParseError',
        `${where} is neither a SPIFFE bundle (JSON) nor PEM certificates`,
      ),
    };
  }
  const formatName = format === 'spiffe' ? 'SPIFFE bundle' : 'PEM bundle';
  if (ders.length === 0) {
    return {
      error: fail(
        'BundleEmpty',
        format === 'spiffe'
          ? `${where} is a SPIFFE bundle without x509-svid keys (JWT keys alone cannot verify client certificates)`
          : `${where} holds no CERTIFICATE block`,
      ),
    };
  }
  const certificates: BundleCertificate[] = [];
  for (const [i, der] of ders.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch (e) {
      return {
        error: fail(
          'BundleParseError',
          `${where}: certificate ${
            i + 1
          } of the ${formatName} cannot be parsed: ${(e as Error).message}`,
        ),
      };
    }
    // Shared by every result of this bundle: frozen, so no reader can change another's.
    certificates.push(
      Object.freeze({
        subject: cert.subject,
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        pem: cert.toString('pem'),
      }),
    );
  }
  const result: DecodedBundle = {
    format,
    certificates,
    ...(sequence !== undefined ? { sequence } : {}),
  };
  if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value!);
  decoded.set(text, result);
  return result;
}

/**
 * Reads a SPIRE trust bundle: a SPIFFE bundle (JWK set with `x509-svid` keys whose `x5c` holds a
 * base64 DER CA) or PEM certificates (SPIRE's k8sbundle notifier). Detects the format, drops
 * certificates that are expired or not yet valid at `now` (Envoy rejects a CA file with expired
 * ones, and SPIRE keeps rotated CAs for a while), and reports each failure with a reason of the
 * BundleReady condition.
 */
export function parseTrustBundle(
  content: string | undefined,
  options: ParseTrustBundleOptions,
): TrustBundleResult {
  const where = options.source ?? 'the trust bundle';
  if (content === undefined) {
    return fail('BundleNotFound', `${where} was not found`);
  }
  const text = content.trim();
  if (text === '') {
    return fail(
      'BundleEmpty',
      `${where} is empty; is SPIRE's bundle notifier writing to it?`,
    );
  }
  const bundle = decodeBundle(text, where);
  if ('error' in bundle) return bundle.error;
  const { format, sequence } = bundle;
  const certificates: BundleCertificate[] = [];
  const dropped: Array<{ subject: string; reason: string }> = [];
  const now = options.now.getTime();
  // Timestamps are ISO strings of one format (toISOString), so they compare as strings.
  let changesAt: string | undefined;
  const changeAt = (at: string) => {
    if (changesAt === undefined || at < changesAt) changesAt = at;
  };
  for (const entry of bundle.certificates) {
    if (Date.parse(entry.notAfter) <= now) {
      dropped.push({
        subject: entry.subject,
        reason: `expired ${entry.notAfter}`,
      });
    } else if (Date.parse(entry.notBefore) > now) {
      dropped.push({
        subject: entry.subject,
        reason: `not valid before ${entry.notBefore}`,
      });
      changeAt(entry.notBefore);
    } else {
      certificates.push(entry);
      changeAt(entry.notAfter);
    }
  }
  if (certificates.length === 0) {
    return {
      ok: false,
      reason: 'BundleExpired',
      message: `${where}: none of its ${
        bundle.certificates.length
      } certificate(s) is valid now (${dropped
        .map(d => `${d.subject}: ${d.reason}`)
        .join('; ')})`,
      ...(changesAt ? { changesAt } : {}),
    };
  }
  const earliestExpiry = certificates
    .map(c => c.notAfter)
    .reduce((a, b) => (a < b ? a : b));
  return {
    ok: true,
    format,
    certificates,
    pem: `${certificates.map(c => c.pem.trim()).join('\n')}\n`,
    earliestExpiry,
    ...(sequence !== undefined ? { sequence } : {}),
    dropped,
    changesAt: changesAt!,
  };
}

/** The BundleReady message for a loaded bundle, e.g. "2 certificates from SPIFFE bundle, …". */
export function describeBundle(
  result: Extract<TrustBundleResult, { ok: true }>,
): string {
  const n = result.certificates.length;
  const kind = result.format === 'spiffe' ? 'SPIFFE bundle' : 'PEM bundle';
  const seq =
    result.sequence !== undefined ? `, sequence ${result.sequence}` : '';
  const skipped = result.dropped.length
    ? `; ${result.dropped.length} left out (${result.dropped
        .map(d => d.reason)
        .join('; ')})`
    : '';
  return `${n} certificate${n === 1 ? '' : 's'} from ${kind}, earliest expiry ${
    result.earliestExpiry
  }${seq}${skipped}`;
}
