import type { KubeObject } from './types';

/** Metadata fields the reconciler sets; the rest of metadata belongs to the API server. */
const METADATA_FIELDS = ['labels', 'annotations', 'ownerReferences'];

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

function walk(
  desired: unknown,
  live: unknown,
  path: string,
  out: string[],
): void {
  if (isObject(desired)) {
    if (!isObject(live)) {
      out.push(path || '.');
      return;
    }
    for (const [k, v] of Object.entries(desired)) {
      if (v === undefined) continue;
      walk(v, live[k], path ? `${path}.${k}` : k, out);
    }
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) {
      out.push(path);
      return;
    }
    const before = out.length;
    desired.forEach((d, i) => walk(d, live[i], `${path}[${i}]`, out));
    if (out.length > before) {
      // One entry per differing list is enough to explain the drift.
      out.splice(before, out.length - before, path);
    }
    return;
  }
  if (desired === null) {
    if (live !== null && live !== undefined) out.push(path);
    return;
  }
  if (!sameScalar(desired, live)) out.push(path);
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
  const { metadata, apiVersion: _a, kind: _k, status: _s, ...body } = d;
  for (const field of METADATA_FIELDS) {
    const v = metadata[field];
    if (v !== undefined) {
      walk(v, live.metadata?.[field], `metadata.${field}`, out);
    }
  }
  walk(body, live, '', out);
  return out;
}
