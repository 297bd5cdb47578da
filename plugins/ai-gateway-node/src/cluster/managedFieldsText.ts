const KEY = '"managedFields":[';
const METADATA = '"metadata":{';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The index just past the JSON string that opens at `i` (a quote); -1 if it does not end. */
function afterString(text: string, i: number): number {
  // Found by the engine's own search, then judged: a quote after an odd run of backslashes is
  // escaped.
  for (let q = text.indexOf('"', i + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1;
  }
  return -1;
}

/**
 * How deep `to` lies below `from` in JSON text, outside strings; -1 when the text between them
 * leaves the level of `from` or ends inside a string.
 */
function depthBetween(text: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i) - 1;
      if (i < 0 || i >= to) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth < 0) return -1;
    }
  }
  return depth;
}

/** The index just past the JSON array or object that opens at `i`. */
function afterContainer(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = afterString(text, j) - 1;
      if (j < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * The JSON text of one Kubernetes object without `metadata.managedFields`, cut out of the text
 * before it is parsed: they are a third to a half of what the API server answers for an applied
 * object, nothing here reads them, and parsing them cost as much as the rest. Compact JSON as
 * the API server writes it is expected; any other text (a list, whitespace, no managedFields
 * where the object's metadata has its keys) is given back unchanged, so the parse then sees it
 * whole.
 */
export function withoutManagedFieldsText(text: string): string {
  const at = text.indexOf(KEY);
  if (at < 0) return text;
  // The object's own metadata: a key of the top-level object, holding the managedFields key.
  const metadata = text.indexOf(METADATA);
  if (
    metadata < 0 ||
    metadata > at ||
    depthBetween(text, 1, metadata) !== 0 ||
    depthBetween(text, metadata + METADATA.length, at) !== 0
  ) {
    return text;
  }
  const end = afterContainer(text, at + KEY.length - 1);
  if (end < 0) return text;
  if (text.charCodeAt(end) === COMMA) {
    return text.slice(0, at) + text.slice(end + 1);
  }
  if (text.charCodeAt(at - 1) === COMMA) {
    return text.slice(0, at - 1) + text.slice(end);
  }
  return text.slice(0, at) + text.slice(end);
}
