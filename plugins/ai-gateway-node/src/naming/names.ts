import { createHash } from 'node:crypto';

/** Kubernetes object names we render are DNS labels (RFC 1123): Services and route names need it. */
export const MAX_DNS_LABEL = 63;
/** Gateway API section names (route rule names) are DNS subdomains. */
export const MAX_SECTION_NAME = 253;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SECTION_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDnsLabel(name: string): boolean {
  return name.length <= MAX_DNS_LABEL && DNS_LABEL.test(name);
}

export function isSectionName(name: string): boolean {
  return name.length <= MAX_SECTION_NAME && SECTION_NAME.test(name);
}

/** First `length` hex characters of the SHA-256 of `input`. */
export function shortHash(input: string, length = 8): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/**
 * Joins parts with `-` into a DNS label. Names that fit are kept as they are (readable, as the
 * SPEC writes them); longer ones are cut and end in a hash of the full name, so two long names
 * that share a prefix still differ and the same input always gives the same name.
 */
export function dnsName(...parts: string[]): string {
  const full = parts.filter(p => p !== '').join('-');
  if (isDnsLabel(full)) return full;
  const cleaned = full
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const hash = shortHash(full);
  const head = cleaned
    .slice(0, MAX_DNS_LABEL - hash.length - 1)
    .replace(/-+$/, '');
  return head ? `${head}-${hash}` : hash;
}

/**
 * A model name made a valid route rule (section) name: lower case, characters outside
 * `[a-z0-9.-]` become `-`, each dot-separated segment starts and ends alphanumeric
 * (`qwen2.5:3b` → `qwen2.5-3b`). Lossy, so callers add a hash when two models meet.
 */
export function sectionNameFrom(name: string): string {
  const segments = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .split('.')
    .map(s => s.replace(/^-+|-+$/g, ''))
    .filter(s => s !== '');
  let out = segments.join('.');
  if (out.length > MAX_SECTION_NAME) {
    out = out.slice(0, MAX_SECTION_NAME - 9).replace(/[-.]+$/, '');
  }
  return out;
}

/** Reserved by Envoy AI Gateway for the catch-all rule it injects. */
const RESERVED_RULE_NAMES = new Set(['route-not-found']);

/**
 * A valid rule name for a model name. A name that is already valid is used as it is; one that had
 * to change ends in a hash of the original, so it cannot meet a valid name or another changed one,
 * and it never changes when other models are added or removed.
 */
export function ruleNameFor(modelName: string): string {
  const base = sectionNameFrom(modelName);
  if (base === modelName && base !== '' && !RESERVED_RULE_NAMES.has(base))
    return base;
  const hash = shortHash(modelName);
  const head = base
    .slice(0, MAX_SECTION_NAME - hash.length - 1)
    .replace(/[-.]+$/, '');
  return head ? `${head}-${hash}` : `model-${hash}`;
}
