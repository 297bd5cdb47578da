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

/*
 * Typed messages `kubectl create deployment|service|job|cronjob` fill, by field number (k8s.io/api
 * generated.proto; checked against bodies captured from kubectl 1.32). Unlisted fields are ignored.
 * Types: s string, i int (0 omitted), i0 int (0 kept: a set pointer), b bool, m map, meta ObjectMeta,
 * ios IntOrString, or a nested descriptor; a third element `true` means repeated.
 */
type FieldType = 's' | 'i' | 'i0' | 'b' | 'm' | 'meta' | 'ios' | Desc;
interface Desc {
  [no: number]: [string, FieldType, boolean?];
}
const ENV_VAR: Desc = { 1: ['name', 's'], 2: ['value', 's'] };
const CONTAINER_PORT: Desc = {
  1: ['name', 's'],
  2: ['hostPort', 'i'],
  3: ['containerPort', 'i'],
  4: ['protocol', 's'],
  5: ['hostIP', 's'],
};
const CONTAINER: Desc = {
  1: ['name', 's'],
  2: ['image', 's'],
  3: ['command', 's', true],
  4: ['args', 's', true],
  5: ['workingDir', 's'],
  6: ['ports', CONTAINER_PORT, true],
  7: ['env', ENV_VAR, true],
  14: ['imagePullPolicy', 's'],
};
const POD_SPEC: Desc = {
  2: ['containers', CONTAINER, true],
  3: ['restartPolicy', 's'],
  7: ['nodeSelector', 'm'],
  8: ['serviceAccountName', 's'],
  10: ['nodeName', 's'],
  20: ['initContainers', CONTAINER, true],
};
const POD_TEMPLATE: Desc = { 1: ['metadata', 'meta'], 2: ['spec', POD_SPEC] };
const LABEL_SELECTOR: Desc = { 1: ['matchLabels', 'm'] };
const JOB_SPEC: Desc = {
  1: ['parallelism', 'i0'],
  2: ['completions', 'i0'],
  3: ['activeDeadlineSeconds', 'i0'],
  6: ['template', POD_TEMPLATE],
  7: ['backoffLimit', 'i0'],
};
const SPECS: Record<string, Desc> = {
  Deployment: {
    1: ['replicas', 'i0'],
    2: ['selector', LABEL_SELECTOR],
    3: ['template', POD_TEMPLATE],
    5: ['minReadySeconds', 'i'],
  },
  Pod: POD_SPEC,
  Job: JOB_SPEC,
  CronJob: {
    1: ['schedule', 's'],
    3: ['concurrencyPolicy', 's'],
    4: ['suspend', 'b'],
    5: ['jobTemplate', { 1: ['metadata', 'meta'], 2: ['spec', JOB_SPEC] }],
    8: ['timeZone', 's'],
  },
  Service: {
    1: [
      'ports',
      {
        1: ['name', 's'],
        2: ['protocol', 's'],
        3: ['port', 'i'],
        4: ['targetPort', 'ios'],
        5: ['nodePort', 'i'],
      },
      true,
    ],
    2: ['selector', 'm'],
    3: ['clusterIP', 's'],
    4: ['type', 's'],
    10: ['externalName', 's'],
  },
};

function decodeMessage(buf: Buffer, desc: Desc): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const f of fields(buf)) {
    const def = desc[f.no];
    if (!def) continue;
    const [name, type, repeated] = def;
    let v: unknown;
    if (type === 's') v = str(f) || undefined;
    else if (type === 'i') v = f.value || undefined;
    else if (type === 'i0') v = f.value;
    else if (type === 'b') v = f.value === 1;
    else if (type === 'meta') v = objectMeta(f.value as Buffer);
    else if (type === 'm') {
      const [k, val] = mapEntry(f);
      (out[name] ??= {})[k] = val;
      continue;
    } else if (type === 'ios') {
      const ios = decodeMessage(f.value as Buffer, {
        1: ['type', 'i'],
        2: ['intVal', 'i0'],
        3: ['strVal', 's'],
      });
      v = ios.type === 1 ? ios.strVal : ios.intVal;
    } else {
      const m = decodeMessage(f.value as Buffer, type);
      v = Object.keys(m).length ? m : undefined;
    }
    if (repeated) {
      if (v !== undefined || type === 's') (out[name] ??= []).push(v ?? '');
    } else if (v !== undefined) out[name] = v;
  }
  return out;
}

const RESOURCE_ATTRIBUTES = [
  '',
  'namespace',
  'verb',
  'group',
  'version',
  'resource',
  'subresource',
  'name',
];

function accessReviewSpec(buf: Buffer): Record<string, unknown> {
  const spec: Record<string, any> = {};
  for (const f of fields(buf)) {
    if (f.no === 1) {
      const ra: Record<string, string> = {};
      for (const a of fields(f.value as Buffer))
        if (RESOURCE_ATTRIBUTES[a.no]) ra[RESOURCE_ATTRIBUTES[a.no]] = str(a);
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
        if (!SPECS[kind])
          throw new Error(
            `protobuf bodies of kind ${kind} are not supported; send JSON`,
          );
        if (f.no === 2)
          obj.spec = decodeMessage(f.value as Buffer, SPECS[kind]);
    }
  }
  obj.metadata ??= {};
  return obj;
}
