/* Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and fields. */

export type Selector = (obj: any) => boolean;

interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map(p => p.trim()).filter(p => p.length > 0);
}

function parseRequirement(term: string): Requirement {
  let m = /^!\s*([^\s=!,()]+)$/.exec(term);
  if (m) return { key: m[1], op: '!exists', values: [] };
  m = /^([^\s=!,()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = m[3]
      .split(',')
      .map(v => v.trim())
      .filter(v => v.length > 0);
    return { key: m[1], op: m[2] as 'in' | 'notin', values };
  }
  m = /^([^\s=!,()]+)\s*(==|=|!=)\s*([^\s=!,()]*)$/.exec(term);
  if (m) return { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] };
  m = /^([^\s=!,()]+)$/.exec(term);
  if (m) return { key: m[1], op: 'exists', values: [] };
  throw new SelectorError(`unable to parse requirement: ${term}`);
}

function matches(r: Requirement, value: string | undefined): boolean {
  switch (r.op) {
    case '=':
      return value === r.values[0];
    case '!=':
      return value !== r.values[0];
    case 'in':
      return value !== undefined && r.values.includes(value);
    case 'notin':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return value !== undefined;
    case '!exists':
      return value === undefined;
    default:
      return false;
  }
}

/** Parses a label selector string (`a=b,c!=d,e in (f,g),!h`). Throws SelectorError on bad syntax. */
export function parseLabelSelector(
  selector: string | undefined | null,
): Selector {
  if (!selector) return () => true;
  const reqs = splitTop(selector).map(parseRequirement);
  return obj => {
    const labels: Record<string, string> = obj?.metadata?.labels ?? {};
    return reqs.every(r => matches(r, labels[r.key]));
  };
}

function fieldValue(obj: any, dotted: string): string | undefined {
  let cur = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** Parses a field selector (`metadata.name=x,metadata.namespace!=y`); any dotted path is accepted. */
export function parseFieldSelector(
  selector: string | undefined | null,
): Selector {
  if (!selector) return () => true;
  const reqs = splitTop(selector).map(term => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m)
      throw new SelectorError(
        `invalid selector: '${selector}'; can't understand '${term}'`,
      );
    return { key: m[1].trim(), neg: m[2] === '!=', value: m[3].trim() };
  });
  return obj =>
    reqs.every(r => {
      const v = fieldValue(obj, r.key) ?? '';
      return r.neg ? v !== r.value : v === r.value;
    });
}
