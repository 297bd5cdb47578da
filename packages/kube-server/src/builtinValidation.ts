/*
 * The few checks of built-in kinds that catch real mistakes (the server has no schemas for them):
 * Secret and ConfigMap keys and values, Pod and Deployment containers and selectors, Service ports.
 * Messages follow the API server's wording.
 */
import type { SchemaProblem } from './validation';

type Obj = Record<string, any>;

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decoding errors: the real server answers these with 400 BadRequest before validation. */
export function decodeErrors(kind: string, obj: Obj): string | undefined {
  const data = obj.data;
  if (data === undefined || data === null) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) {
    return `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${
      Array.isArray(data) ? 'array' : typeof data
    } into Go struct field ${kind}.data of type map[string]${
      kind === 'Secret' ? '[]uint8' : 'string'
    }`;
  }
  for (const v of Object.values(data)) {
    if (typeof v !== 'string') {
      return `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${typeof v} into Go struct field ${kind}.data of type ${
        kind === 'Secret' ? '[]uint8' : 'string'
      }`;
    }
    if (kind === 'Secret' && !BASE64.test(v)) {
      return `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${firstBadByte(
        v,
      )}`;
    }
  }
  return undefined;
}

function firstBadByte(v: string): number {
  const i = [...v].findIndex(c => !/[A-Za-z0-9+/=]/.test(c));
  return i >= 0 ? i : Math.floor(v.length / 4) * 4;
}

function containers(list: unknown, path: string, out: SchemaProblem[]) {
  if (!Array.isArray(list) || list.length === 0) {
    out.push({ path, message: 'Required value', type: 'required' });
    return;
  }
  list.forEach((c: Obj, i) => {
    if (!c?.name)
      out.push({
        path: `${path}[${i}].name`,
        message: 'Required value',
        type: 'required',
      });
    if (!c?.image)
      out.push({
        path: `${path}[${i}].image`,
        message: 'Required value',
        type: 'required',
      });
  });
}

export function validateBuiltin(
  group: string,
  plural: string,
  obj: Obj,
): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const key = group ? `${plural}.${group}` : plural;
  if (key === 'secrets' || key === 'configmaps') {
    for (const field of ['data', 'binaryData', 'stringData']) {
      for (const k of Object.keys(obj[field] ?? {})) {
        if (!CONFIG_KEY.test(k)) {
          out.push({
            path: `${field}[${k}]`,
            message: `Invalid value: ${JSON.stringify(
              k,
            )}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
            type: 'invalid',
          });
        }
      }
    }
    if (key === 'secrets' && obj.type === 'kubernetes.io/tls') {
      for (const k of ['tls.crt', 'tls.key']) {
        if (!(k in (obj.data ?? {})))
          out.push({
            path: `data[${k}]`,
            message: 'Required value',
            type: 'required',
          });
      }
    }
  }
  if (key === 'pods') containers(obj.spec?.containers, 'spec.containers', out);
  if (
    [
      'deployments.apps',
      'replicasets.apps',
      'statefulsets.apps',
      'daemonsets.apps',
    ].includes(key)
  ) {
    const selector = obj.spec?.selector?.matchLabels;
    if (!obj.spec?.selector)
      out.push({
        path: 'spec.selector',
        message: 'Required value',
        type: 'required',
      });
    const labels = obj.spec?.template?.metadata?.labels ?? {};
    if (
      selector &&
      Object.entries(selector).some(([k, v]) => labels[k] !== v)
    ) {
      out.push({
        path: 'spec.template.metadata.labels',
        message: `Invalid value: ${JSON.stringify(
          labels,
        )}: \`selector\` does not match template \`labels\``,
        type: 'invalid',
      });
    }
    containers(
      obj.spec?.template?.spec?.containers,
      'spec.template.spec.containers',
      out,
    );
  }
  if (key === 'services') {
    (obj.spec?.ports ?? []).forEach((p: Obj, i: number) => {
      if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535) {
        out.push({
          path: `spec.ports[${i}].port`,
          message:
            p?.port === undefined
              ? 'Required value'
              : `Invalid value: ${JSON.stringify(
                  p.port,
                )}: must be between 1 and 65535, inclusive`,
          type: p?.port === undefined ? 'required' : 'invalid',
        });
      }
    });
  }
  return out;
}
