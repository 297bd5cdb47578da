/*
 * SPIFFE ID parsing per the SPIFFE ID standard (spiffe/standards SPIFFE-ID.md, section 2):
 * `spiffe://<trust domain><path>`, trust domain of lowercase letters, digits, ".", "-" and "_",
 * path segments of letters, digits, ".", "-" and "_", at most 2048 bytes in all.
 */

export type SpiffeIdParseResult =
  | { ok: true; trustDomain: string; path: string }
  | { ok: false; message: string };

const SCHEME = 'spiffe://';
const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN_LENGTH = 255;
const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_CHARS = /^[a-zA-Z0-9._-]+$/;

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Checks a trust domain name on its own; returns the problem or undefined. */
export function trustDomainProblem(trustDomain: string): string | undefined {
  if (trustDomain.length === 0) {
    return 'trust domain must not be empty';
  }
  if (trustDomain.length > MAX_TRUST_DOMAIN_LENGTH) {
    return `trust domain must be at most ${MAX_TRUST_DOMAIN_LENGTH} characters`;
  }
  if (!TRUST_DOMAIN_CHARS.test(trustDomain)) {
    return `trust domain "${trustDomain}" may contain only lowercase letters, digits, ".", "-" and "_"`;
  }
  return undefined;
}

export function parseSpiffeId(s: string): SpiffeIdParseResult {
  const fail = (message: string): SpiffeIdParseResult => ({
    ok: false,
    message,
  });
  if (typeof s !== 'string') {
    return fail('must be a string');
  }
  if (byteLength(s) > MAX_ID_BYTES) {
    return fail(`must be at most ${MAX_ID_BYTES} bytes`);
  }
  if (!s.startsWith(SCHEME)) {
    return fail('must start with "spiffe://"');
  }
  if (s.includes('?')) {
    return fail('must not contain a query');
  }
  if (s.includes('#')) {
    return fail('must not contain a fragment');
  }
  const rest = s.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (trustDomain.length === 0) {
    return fail('trust domain is missing');
  }
  if (trustDomain.includes('@')) {
    return fail('must not contain userinfo');
  }
  if (trustDomain.includes(':')) {
    return fail('must not contain a port');
  }
  const tdProblem = trustDomainProblem(trustDomain);
  if (tdProblem) {
    return fail(tdProblem);
  }
  if (path !== '') {
    if (path.endsWith('/')) {
      return fail('path must not end with "/"');
    }
    for (const segment of path.slice(1).split('/')) {
      if (segment === '') {
        return fail('path segments must not be empty');
      }
      if (segment === '.' || segment === '..') {
        return fail('path segments must not be "." or ".."');
      }
      if (!PATH_SEGMENT_CHARS.test(segment)) {
        return fail(
          `path segment "${segment}" may contain only letters, digits, ".", "-" and "_"`,
        );
      }
    }
  }
  return { ok: true, trustDomain, path };
}

/**
 * Parses an allowed-subject prefix: a SPIFFE ID that may end with "/" (so that
 * `spiffe://td/ns/team1/` admits `spiffe://td/ns/team1/sa/x` but not `.../ns/team10/...`).
 */
export function parseSpiffeIdPrefix(s: string): SpiffeIdParseResult {
  if (typeof s === 'string' && s.endsWith('/') && !s.endsWith('//')) {
    return parseSpiffeId(s.slice(0, -1));
  }
  return parseSpiffeId(s);
}

/** The SPIFFE ID SPIRE issues to a workload by namespace and service account. */
export function agentSpiffeId(
  trustDomain: string,
  namespace: string,
  serviceAccount: string,
): string {
  return `${SCHEME}${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** An entry of an access policy's `allowedSubjects`. */
export interface SpiffeSubject {
  spiffeId?: string;
  spiffeIdPrefix?: string;
}

/**
 * Whether an access policy admits a SPIFFE ID: the ID must be in the trust domain and, when
 * subjects are listed, match one exactly (spiffeId) or by string prefix (spiffeIdPrefix), the
 * way Envoy matches subjectAltNames.
 */
export function spiffeIdAdmitted(
  spiffeId: string,
  trustDomain: string,
  allowedSubjects?: readonly SpiffeSubject[],
): boolean {
  const parsed = parseSpiffeId(spiffeId);
  if (!parsed.ok || parsed.trustDomain !== trustDomain) {
    return false;
  }
  if (!allowedSubjects || allowedSubjects.length === 0) {
    return true;
  }
  return allowedSubjects.some(subject =>
    subject.spiffeId !== undefined
      ? subject.spiffeId === spiffeId
      : subject.spiffeIdPrefix !== undefined &&
        spiffeId.startsWith(subject.spiffeIdPrefix),
  );
}
