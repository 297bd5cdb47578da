/**
 * Removes anything that looks like key material from text bound for a response or a log line:
 * PEM blocks and long base64 runs (Secret data as the API server may echo it in an error).
 */
export function redact(text: string): string {
  return text
    .replace(
      /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g,
      '[redacted PEM]',
    )
    .replace(/[A-Za-z0-9+/_-]{40,}={0,2}/g, '[redacted]');
}

/** A copy of an object fit for a response: Secret values replaced by a marker, keys kept. */
export function redactObject<T extends { kind?: unknown }>(obj: T): T {
  if (obj.kind !== 'Secret') return obj;
  const copy: any = { ...obj };
  for (const field of ['data', 'stringData']) {
    if (copy[field] && typeof copy[field] === 'object') {
      copy[field] = Object.fromEntries(
        Object.keys(copy[field]).map(k => [k, '(redacted)']),
      );
    }
  }
  return copy;
}
