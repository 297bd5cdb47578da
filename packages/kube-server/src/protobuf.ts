/*
 * Decoder for the protobuf bodies kubectl 1.32's typed clients send (`kubectl create namespace|configmap|
 * secret|serviceaccount`). Only the fields those commands fill are decoded; see
 * notes/kubectl-protocol.md §2 for the envelope.
 */

type Field = { no: number; wire: number; value: number | Buffer };

function readVarint(buf: Buffer, start: number): [number, number] {
  let result = 0;
  let shift = 0;
  let pos = start;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let v: number;
      [v, pos] = readVarint(buf, pos);
      out.push({ no, wire, value: v });
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      out.push({ no, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) {
      out.push({ no, wire, value: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else if (wire === 5) {
      out.push({ no, wire, value: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');

function mapEntry(f: Field, bytes = false): [string, string] {
  let k = '';
  let v = '';
  for (const e of fields(f.value as Buffer)) {
    if (e.no === 1) k = str(e);
    if (e.no === 2) v = bytes ? (e.value as Buffer).toString('base64') : str(e);
  }
  return [k, v];
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const meta: Record<string, any> = {};
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        if (str(f)) meta.name = str(f);
        break;
      case 2:
        if (str(f)) meta.generateName = str(f);
        break;
      case 3:
        if (str(f)) meta.namespace = str(f);
        break;
      case 6:
        if (str(f)) meta.resourceVersion = str(f);
        break;
      case 11: {
        const [k, v] = mapEntry(f);
        (meta.labels ??= {})[k] = v;
        break;
      }
      case 12: {
        const [k, v] = mapEntry(f);
        (meta.annotations ??= {})[k] = v;
        break;
      }
      case 14:
        (meta.finalizers ??= []).push(str(f));
        break;
      default:
    }
  }
  return meta;
}

const RESOURCE_ATTRIBUTES = ['', 'namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];

function accessReviewSpec(buf: Buffer): Record<string, unknown> {
  const spec: Record<string, any> = {};
  for (const f of fields(buf)) {
    if (f.no === 1) {
      const ra: Record<string, string> = {};
      for (const a of fields(f.value as Buffer)) if (RESOURCE_ATTRIBUTES[a.no]) ra[RESOURCE_ATTRIBUTES[a.no]] = str(a);
      spec.resourceAttributes = ra;
    } else if (f.no === 2) {
      const nra: Record<string, string> = {};
      for (const a of fields(f.value as Buffer)) {
        if (a.no === 1) nra.path = str(a);
        if (a.no === 2) nra.verb = str(a);
      }
      spec.nonResourceAttributes = nra;
    }
  }
  return spec;
}

/** Decodes a `k8s\0` protobuf envelope into a JSON object, or throws for kinds it does not know. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('binary') !== 'k8s\0') {
    throw new Error('missing protobuf magic');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of fields(f.value as Buffer)) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    } else if (f.no === 2) raw = f.value as Buffer;
  }
  const obj: Record<string, any> = { apiVersion, kind };
  for (const f of fields(raw)) {
    if (f.no === 1) {
      obj.metadata = objectMeta(f.value as Buffer);
      continue;
    }
    switch (kind) {
      case 'ConfigMap':
        if (f.no === 2) {
          const [k, v] = mapEntry(f);
          (obj.data ??= {})[k] = v;
        } else if (f.no === 3) {
          const [k, v] = mapEntry(f, true);
          (obj.binaryData ??= {})[k] = v;
        } else if (f.no === 4) obj.immutable = f.value === 1;
        break;
      case 'Secret':
        if (f.no === 2) {
          const [k, v] = mapEntry(f, true);
          (obj.data ??= {})[k] = v;
        } else if (f.no === 3) obj.type = str(f);
        else if (f.no === 4) {
          const [k, v] = mapEntry(f);
          (obj.stringData ??= {})[k] = v;
        } else if (f.no === 5) obj.immutable = f.value === 1;
        break;
      case 'Namespace':
      case 'ServiceAccount':
        break;
      case 'SelfSubjectAccessReview':
        if (f.no === 2) obj.spec = accessReviewSpec(f.value as Buffer);
        break;
      default:
        throw new Error(`protobuf bodies of kind ${kind} are not supported; send JSON`);
    }
  }
  obj.metadata ??= {};
  return obj;
}
