/*
 * Test helper: checks rendered objects the way the API server would, against the upstream CRDs in
 * deploy/upstream-crds (structure, enums, required fields, bounds, unknown fields, via the
 * kube-server validator) plus the CEL rules of those CRDs that our objects could break.
 */
import path from 'node:path';
import { loadCrds, validateObject, type CRD } from '@kagenti/kube-server';
import type { KubernetesObject } from '../kubernetes';

export const UPSTREAM_CRDS_DIR = path.resolve(
  __dirname,
  '../../../../deploy/upstream-crds',
);

let crds: CRD[] | undefined;
function upstreamCrds(): CRD[] {
  crds ??= loadCrds(UPSTREAM_CRDS_DIR);
  return crds;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Obj = Record<string, any>;

const BSP_FIELDS: Record<string, string> = {
  APIKey: 'apiKey',
  AzureAPIKey: 'azureAPIKey',
  AnthropicAPIKey: 'anthropicAPIKey',
  AWSCredentials: 'awsCredentials',
  AzureCredentials: 'azureCredentials',
  GCPCredentials: 'gcpCredentials',
};

/** The CEL rules (x-kubernetes-validations) of the upstream CRDs that apply to what we render. */
function celProblems(o: Obj): string[] {
  const p: string[] = [];
  const spec = o.spec ?? {};
  switch (o.kind) {
    case 'AIGatewayRoute': {
      const rules: Obj[] = spec.rules ?? [];
      if (rules.length > 15)
        p.push(`spec.rules: ${rules.length} rules, at most 15 allowed`);
      const names = rules.filter(r => r.name !== undefined).map(r => r.name);
      if (new Set(names).size !== names.length)
        p.push('spec.rules: rule name must be unique within the route');
      if (names.includes('route-not-found'))
        p.push('spec.rules: rule name route-not-found is reserved');
      for (const r of rules) {
        for (const b of r.backendRefs ?? []) {
          if ((b.group === undefined) !== (b.kind === undefined))
            p.push('backendRefs: group and kind must be specified together');
          if (
            b.group !== undefined &&
            !(
              b.group === 'inference.networking.k8s.io' &&
              b.kind === 'InferencePool'
            )
          ) {
            p.push(
              'backendRefs: only InferencePool from inference.networking.k8s.io group is supported',
            );
          }
        }
      }
      for (const ref of spec.parentRefs ?? [])
        if ((ref.kind ?? 'Gateway') !== 'Gateway')
          p.push('parentRefs: only Gateway is supported');
      break;
    }
    case 'AIServiceBackend': {
      const b = spec.backendRef ?? {};
      if (!(b.kind === 'Backend' && b.group === 'gateway.envoyproxy.io'))
        p.push(
          'spec.backendRef: BackendRef must be a Backend resource of Envoy Gateway',
        );
      break;
    }
    case 'BackendSecurityPolicy': {
      const wanted = BSP_FIELDS[spec.type];
      for (const f of Object.values(BSP_FIELDS)) {
        if (f === wanted && spec[f] === undefined)
          p.push(`spec: When type is ${spec.type}, ${f} must be set`);
        if (f !== wanted && spec[f] !== undefined)
          p.push(
            `spec: When type is ${spec.type}, only ${wanted} field should be set (found ${f})`,
          );
      }
      const az = spec.azureCredentials;
      if (
        az &&
        (az.clientSecretRef === undefined) ===
          (az.oidcExchangeToken === undefined)
      ) {
        p.push(
          'spec.azureCredentials: Exactly one of clientSecretRef or oidcExchangeToken must be specified',
        );
      }
      const gcp = spec.gcpCredentials;
      if (gcp?.credentialsFile && gcp?.workloadIdentityFederationConfig)
        p.push('spec.gcpCredentials: at most one source');
      for (const t of spec.targetRefs ?? []) {
        if (
          !(
            t.group === 'aigateway.envoyproxy.io' &&
            t.kind === 'AIServiceBackend'
          )
        )
          p.push('spec.targetRefs must reference AIServiceBackend');
      }
      break;
    }
    case 'Backend': {
      const eps: Obj[] = spec.endpoints ?? [];
      for (const e of eps) {
        const n = ['fqdn', 'ip', 'unix'].filter(k => e[k] !== undefined).length;
        if (n !== 1)
          p.push(
            'spec.endpoints[]: only one of fqdn, ip or unix can be specified',
          );
      }
      if (!(eps.every(e => e.fqdn) || !eps.some(e => e.fqdn)))
        p.push(
          'spec.endpoints: fqdn addresses cannot be mixed with other address types',
        );
      break;
    }
    case 'BackendTLSPolicy': {
      const v = spec.validation ?? {};
      const refs = (v.caCertificateRefs ?? []).length > 0;
      const wk = !!v.wellKnownCACertificates;
      if (refs === wk)
        p.push(
          'spec.validation: must specify exactly one of CACertificateRefs or WellKnownCACertificates',
        );
      break;
    }
    case 'BackendTrafficPolicy': {
      if ((spec.targetRef === undefined) === (spec.targetRefs === undefined))
        p.push('spec: either targetRef or targetRefs must be used');
      for (const t of spec.targetRefs ?? []) {
        if (t.group !== 'gateway.networking.k8s.io')
          p.push('spec.targetRefs: group must be gateway.networking.k8s.io');
        if (
          ![
            'Gateway',
            'HTTPRoute',
            'GRPCRoute',
            'UDPRoute',
            'TCPRoute',
            'TLSRoute',
          ].includes(t.kind)
        )
          p.push(`spec.targetRefs: kind ${t.kind} not allowed`);
      }
      for (const r of spec.rateLimit?.global?.rules ?? []) {
        for (const cs of r.clientSelectors ?? []) {
          if (
            !cs.headers &&
            !cs.methods &&
            !cs.path &&
            !cs.sourceCIDR &&
            !cs.queryParams
          )
            p.push('clientSelectors: at least one selector');
        }
        for (const side of ['request', 'response']) {
          const c = r.cost?.[side];
          if (c && c.number !== undefined && c.metadata !== undefined)
            p.push(`cost.${side}: only one of number or metadata`);
        }
      }
      break;
    }
    case 'ClientTrafficPolicy': {
      if ((spec.targetRef === undefined) === (spec.targetRefs === undefined))
        p.push('spec: either targetRef or targetRefs must be used');
      for (const t of spec.targetRefs ?? []) {
        if (t.group !== 'gateway.networking.k8s.io' || t.kind !== 'Gateway')
          p.push('spec.targetRefs: only Gateway of gateway.networking.k8s.io');
      }
      const x = spec.headers?.xForwardedClientCert;
      if (
        x?.certDetailsToAdd?.length &&
        !['AppendForward', 'SanitizeSet'].includes(x.mode)
      ) {
        p.push(
          'xForwardedClientCert: certDetailsToAdd can only be set when mode is AppendForward or SanitizeSet',
        );
      }
      break;
    }
    default:
  }
  return p;
}

function metadataProblems(o: Obj): string[] {
  const p: string[] = [];
  const m = o.metadata ?? {};
  if (
    typeof m.name !== 'string' ||
    m.name.length > 63 ||
    !DNS_LABEL.test(m.name)
  )
    p.push(`metadata.name: "${m.name}" is not a DNS label`);
  if (typeof m.namespace !== 'string' || !DNS_LABEL.test(m.namespace))
    p.push('metadata.namespace: required');
  for (const [k, v] of Object.entries<string>(m.labels ?? {})) {
    if (v.length > 63 || !LABEL_VALUE.test(v))
      p.push(`metadata.labels.${k}: invalid label value "${v}"`);
  }
  for (const r of m.ownerReferences ?? []) {
    if (!r.uid || !r.name || !r.kind || !r.apiVersion)
      p.push(
        'metadata.ownerReferences: apiVersion, kind, name and uid are required',
      );
  }
  return p;
}

function secretProblems(o: Obj): string[] {
  const p: string[] = [];
  for (const [k, v] of Object.entries<string>(o.data ?? {})) {
    if (!/^[-._a-zA-Z0-9]+$/.test(k)) p.push(`data.${k}: invalid key`);
    if (!BASE64.test(v)) p.push(`data.${k}: not base64`);
  }
  if (
    o.type === 'kubernetes.io/tls' &&
    (!o.data?.['tls.crt'] || !o.data?.['tls.key'])
  )
    p.push('data: kubernetes.io/tls needs tls.crt and tls.key');
  const known = new Set([
    'apiVersion',
    'kind',
    'metadata',
    'type',
    'data',
    'stringData',
    'immutable',
  ]);
  for (const k of Object.keys(o))
    if (!known.has(k)) p.push(`${k}: unknown field`);
  return p;
}

/** Every problem the API server (schema and CEL) would find in `obj`, as `path: message` strings. */
export function upstreamProblems(obj: KubernetesObject): string[] {
  const o = obj as Obj;
  const problems = metadataProblems(o);
  if (o.apiVersion === 'v1' && o.kind === 'Secret')
    return [...problems, ...secretProblems(o)];
  for (const s of validateObject(upstreamCrds(), obj))
    problems.push(`${s.path}: ${s.message}`);
  problems.push(...celProblems(o));
  return problems.map(s => `${o.kind}/${o.metadata?.name}: ${s}`);
}
