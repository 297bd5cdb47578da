import type { KubeObject } from './types';

/** Metadata fields the reconciler sets; the rest of metadata belongs to the API server. */
const METADATA_FIELDS = ['labels', 'annotations', 'ownerReferences'];
/** Top-level fields compared otherwise (metadata) or not at all. */
const NOT_COMPARED = new Set(['apiVersion', 'kind', 'metadata', 'status']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameScalar(a: unknown, b: unknown) {
  if (a === b) return true;
  // The API server may hand integers back as numbers where we sent numeric strings or vice versa
  // (int-or-string fields such as ports).
  return (
    (typeof a === 'number' || typeof a === 'string') &&
    (typeof b === 'number' || typeof b === 'string') &&
    String(a) === String(b)
  );
}

/**
 * Whether `live` holds what `desired` sets: every field of an object (fields only `live` has are
 * the server's or a controller's), lists element by element and of the same length, scalars equal.
 * No paths are built: most compared objects are in sync, and naming every field on the way
 * allocated more than the rest of a pass's comparison.
 */
function covers(desired: unknown, live: unknown): boolean {
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    for (const k in desired) {
      if (desired[k] !== undefined && !covers(desired[k], live[k])) {
        return false;
      }
    }
    return true;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    for (let i = 0; i < desired.length; i++) {
      if (!covers(desired[i], live[i])) return false;
    }
    return true;
  }
  if (desired === null) return live === null || live === undefined;
  return sameScalar(desired, live);
}

/** Adds the paths where `live` does not cover `desired`; a differing list is named once. */
function walk(
  desired: unknown,
  live: unknown,
  path: string,
  out: string[],
): void {
  if (!isObject(desired) || !isObject(live)) {
    if (!covers(desired, live)) out.push(path || '.');
    return;
  }
  for (const k in desired) {
    if (desired[k] !== undefined && !covers(desired[k], live[k])) {
      walk(desired[k], live[k], path ? `${path}.${k}` : k, out);
    }
  }
}

/** A Secret's `stringData` compared as the `data` the API server stores. */
function normaliseSecret(desired: KubeObject): KubeObject {
  if (desired.kind !== 'Secret' || desired.apiVersion !== 'v1') return desired;
  const stringData = desired.stringData as Record<string, string> | undefined;
  if (!stringData) return desired;
  const data = { ...((desired.data as Record<string, string>) ?? {}) };
  for (const [k, v] of Object.entries(stringData)) {
    data[k] = Buffer.from(v, 'utf8').toString('base64');
  }
  const { stringData: _omit, ...rest } = desired;
  return { ...rest, data };
}

/**
 * The field paths where the live object differs from the desired one, comparing only what the
 * desired object sets (fields the API server or a controller adds are ignored). Empty: in sync.
 * Paths name fields, never values, so a Secret's drift can be reported safely.
 */
export function diffObject(desired: KubeObject, live: KubeObject): string[] {
  const d = normaliseSecret(desired);
  const out: string[] = [];
  for (const field of METADATA_FIELDS) {
    const v = d.metadata[field];
    if (v !== undefined) {
      walk(v, live.metadata?.[field], `metadata.${field}`, out);
    }
  }
  for (const k in d) {
    if (NOT_COMPARED.has(k)) continue;
    const v = d[k];
    if (v !== undefined) walk(v, live[k], k, out);
  }
  return out;
}
