import Ajv from 'ajv';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { CRD_DIRECTORY, renderPolicyCrdFiles } from '../../scripts/crdFiles';
import {
  accessPolicySpecArb,
  routingPolicySpecArb,
} from '../__testUtils__/arbitraries';
import {
  specAccessPolicyYaml,
  specRoutingPolicyYaml,
} from '../__testUtils__/specExamples';
import {
  validateAccessPolicySpec,
  validateRoutingPolicySpec,
} from '../validation';
import {
  buildAccessPolicyCrd,
  buildRoutingPolicyCrd,
  type JsonSchemaNode,
} from './crd';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('committed CRD files', () => {
  it.each(renderPolicyCrdFiles())(
    'deploy/crds/$fileName is up to date (run `yarn generate:crds`)',
    ({ fileName, content }) => {
      const committed = readFileSync(
        resolve(__dirname, '../..', CRD_DIRECTORY, fileName),
        'utf8',
      );
      expect(committed).toBe(content);
    },
  );
});

describe('CRD shape', () => {
  it.each([
    [
      buildRoutingPolicyCrd(),
      'airoutingpolicies',
      'airp',
      'Providers',
      '.spec.providers[*].name',
    ],
    [
      buildAccessPolicyCrd(),
      'aiaccesspolicies',
      'aiap',
      'Trust Domain',
      '.spec.mtls.trustDomain',
    ],
  ])(
    '%#: names, scope, status subresource and printer columns',
    (crd: any, plural, shortName, column, jsonPath) => {
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.metadata.name).toBe(`${plural}.aigateway.kagenti.dev`);
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.names.shortNames).toEqual([shortName]);
      expect(crd.spec.names.categories).toEqual(['kagenti', 'ai-gateway']);
      const [version] = crd.spec.versions;
      expect(version).toMatchObject({
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
      });
      expect(version.additionalPrinterColumns).toEqual([
        { name: 'Gateway', type: 'string', jsonPath: '.spec.targetRef.name' },
        { name: column, type: 'string', jsonPath },
        {
          name: 'Programmed',
          type: 'string',
          jsonPath: '.status.conditions[?(@.type=="Programmed")].status',
        },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ]);
    },
  );

  it('is a structural schema: every property has a type, junctors carry no types', () => {
    const violations: string[] = [];
    const walk = (node: any, path: string, inJunctor: boolean) => {
      if (!node || typeof node !== 'object') return;
      if (
        inJunctor &&
        ('type' in node || 'default' in node || 'description' in node)
      ) {
        violations.push(`${path}: type/default/description inside a junctor`);
      }
      if (
        !inJunctor &&
        !node.type &&
        !node['x-kubernetes-int-or-string'] &&
        !node['x-kubernetes-preserve-unknown-fields']
      ) {
        violations.push(`${path}: no type`);
      }
      if (
        !inJunctor &&
        node.type === 'object' &&
        node.properties &&
        node.additionalProperties !== undefined
      ) {
        violations.push(`${path}: properties and additionalProperties`);
      }
      for (const [key, child] of Object.entries<any>(node.properties ?? {}))
        walk(child, `${path}.${key}`, inJunctor);
      if (node.items) walk(node.items, `${path}[]`, inJunctor);
      for (const junctor of ['oneOf', 'anyOf', 'allOf']) {
        if (node['x-kubernetes-int-or-string'] && junctor === 'anyOf') continue;
        for (const [i, branch] of (node[junctor] ?? []).entries())
          walk(branch, `${path}.${junctor}[${i}]`, true);
      }
      if (node.not) walk(node.not, `${path}.not`, true);
    };
    for (const crd of [
      buildRoutingPolicyCrd(),
      buildAccessPolicyCrd(),
    ] as any[]) {
      walk(
        crd.spec.versions[0].schema.openAPIV3Schema,
        crd.spec.names.kind,
        false,
      );
      expect(JSON.stringify(crd)).not.toContain(
        'x-kubernetes-preserve-unknown-fields',
      );
    }
    expect(violations).toEqual([]);
  });

  it('constrains names, enums, minimums and list keys', () => {
    const spec = (buildRoutingPolicyCrd() as any).spec.versions[0].schema
      .openAPIV3Schema.properties.spec;
    const provider = spec.properties.providers.items.properties;
    const backend =
      spec.properties.models.items.properties.backends.items.properties;
    expect(provider.name.pattern).toBe('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
    expect(backend.provider.pattern).toBe(provider.name.pattern);
    expect(spec.properties.models.items.properties.name.pattern).toBe(
      '^[^\\x00-\\x1f\\x7f]*$',
    );
    expect(provider.schema.enum).toContain('AWSBedrock');
    expect(backend.priority).toMatchObject({
      default: 0,
      type: 'integer',
      minimum: 0,
    });
    expect(spec.properties.providers['x-kubernetes-list-map-keys']).toEqual([
      'name',
    ]);
    expect(spec.required).toEqual(['targetRef', 'providers', 'models']);
  });
});

/**
 * The CRD schema as plain JSON Schema for ajv: objects are closed (the API server's strict field
 * validation rejects unknown fields), and list-map keys are checked for uniqueness like the API
 * server does. CEL rules (`x-kubernetes-validations`) are not evaluated.
 */
function forAjv(node: JsonSchemaNode): JsonSchemaNode {
  if (Array.isArray(node)) return node.map(forAjv) as any;
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as JsonSchemaNode).map(([k, v]) => [
          k,
          forAjv(v as JsonSchemaNode),
        ]),
      );
    } else if (
      key === 'enum' ||
      key === 'required' ||
      key.startsWith('x-kubernetes-')
    ) {
      out[key] = value;
    } else {
      out[key] = forAjv(value as JsonSchemaNode);
    }
  }
  if (node.type === 'object' && node.properties) {
    out.additionalProperties = false;
  }
  return out;
}

function makeAjv() {
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-map-keys',
    type: 'array',
    validate: (keys: string[], data: any[]) => {
      const seen = new Set(
        data.map(item => JSON.stringify(keys.map(k => item?.[k]))),
      );
      return seen.size === data.length;
    },
  });
  for (const keyword of [
    'x-kubernetes-list-type',
    'x-kubernetes-int-or-string',
    'x-kubernetes-validations',
  ]) {
    ajv.addKeyword({ keyword });
  }
  return ajv;
}

const ajv = makeAjv();
const specSchemaOf = (crd: any) =>
  forAjv(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec);
const crdAcceptsRouting = ajv.compile(specSchemaOf(buildRoutingPolicyCrd()));
const crdAcceptsAccess = ajv.compile(specSchemaOf(buildAccessPolicyCrd()));

type Path = Array<string | number>;

function nodes(
  value: unknown,
  path: Path = [],
): Array<{ path: Path; value: unknown }> {
  const here = path.length ? [{ path, value }] : [];
  if (Array.isArray(value)) {
    return [...here, ...value.flatMap((v, i) => nodes(v, [...path, i]))];
  }
  if (value && typeof value === 'object') {
    return [
      ...here,
      ...Object.entries(value).flatMap(([k, v]) => nodes(v, [...path, k])),
    ];
  }
  return here;
}

function setAt(
  root: any,
  path: Path,
  update: (parent: any, key: string | number) => void,
) {
  const parent = path.slice(0, -1).reduce((node, key) => node[key], root);
  update(parent, path[path.length - 1]);
}

// Rules only the validator knows (CEL or semantic): skip values they would judge.
const underRetryOn = (path: Path) =>
  path.includes('retryOn') && typeof path[path.length - 1] === 'number';
const semanticString = (path: Path) =>
  underRetryOn(path) ||
  (path[path.length - 1] === 'key' && path[path.length - 2] === 'secretRef') ||
  path[path.length - 1] === 'spiffeId' ||
  path[path.length - 1] === 'spiffeIdPrefix';

type Mutation = (spec: any, pick: number) => boolean;
const pickFrom = <T>(items: T[], pick: number) =>
  items.length ? items[pick % items.length] : undefined;

const mutations: Record<string, Mutation> = {
  'wrong type': (spec, pick) => {
    const target = pickFrom(nodes(spec), pick);
    if (!target) return false;
    setAt(spec, target.path, (parent, key) => {
      const v = parent[key];
      if (Array.isArray(v)) parent[key] = {};
      else if (typeof v === 'object') parent[key] = [];
      // A number in retryOn is only judged by the CEL rule; a boolean never fits anywhere.
      else if (typeof v === 'string' && !underRetryOn(target.path))
        parent[key] = 7;
      else parent[key] = true;
    });
    return true;
  },
  'missing field': (spec, pick) => {
    const target = pickFrom(
      nodes(spec).filter(n => typeof n.path[n.path.length - 1] === 'string'),
      pick,
    );
    if (!target) return false;
    setAt(spec, target.path, (parent, key) => delete parent[key]);
    return true;
  },
  'enum or pattern violation': (spec, pick) => {
    const target = pickFrom(
      nodes(spec).filter(
        n => typeof n.value === 'string' && !semanticString(n.path),
      ),
      pick,
    );
    if (!target) return false;
    setAt(
      spec,
      target.path,
      (parent, key) => (parent[key] = 'Not A_Valid-Value!'),
    );
    return true;
  },
  negative: (spec, pick) => {
    const target = pickFrom(
      nodes(spec).filter(
        n => typeof n.value === 'number' && !underRetryOn(n.path),
      ),
      pick,
    );
    if (!target) return false;
    setAt(spec, target.path, (parent, key) => (parent[key] = -1));
    return true;
  },
  'unknown field': (spec, pick) => {
    const objects = [{ path: [] as Path, value: spec }, ...nodes(spec)].filter(
      n => n.value && typeof n.value === 'object' && !Array.isArray(n.value),
    );
    const target = pickFrom(objects, pick)!;
    (target.value as any).bogusField = 1;
    return true;
  },
  'empty list': (spec, pick) => {
    const target = pickFrom(
      nodes(spec).filter(n => Array.isArray(n.value)),
      pick,
    );
    if (!target) return false;
    setAt(spec, target.path, (parent, key) => (parent[key] = []));
    return true;
  },
  'duplicate list-map key': (spec, pick) => {
    const lists = ['providers', 'models'].filter(k => Array.isArray(spec[k]));
    const key = pickFrom(lists, pick);
    if (!key) return false;
    spec[key].push(structuredClone(spec[key][0]));
    return true;
  },
};

describe('the CRD schema and the zod schema agree', () => {
  const kinds = [
    [
      'AIRoutingPolicy',
      routingPolicySpecArb as fc.Arbitrary<any>,
      validateRoutingPolicySpec,
      crdAcceptsRouting,
      specRoutingPolicyYaml,
    ],
    [
      'AIAccessPolicy',
      accessPolicySpecArb as fc.Arbitrary<any>,
      validateAccessPolicySpec,
      crdAcceptsAccess,
      specAccessPolicyYaml,
    ],
  ] as const;

  it.each(kinds)(
    'on the SPEC example of %s',
    (_kind, _arb, _validate, crdAccepts, yaml) => {
      expect(crdAccepts(parse(yaml).spec)).toBe(true);
    },
  );

  it.each(kinds)(
    'on generated valid %s specs',
    (_kind, arb, validate, crdAccepts) => {
      fc.assert(
        fc.property(arb, spec => {
          expect(validate(spec).ok).toBe(true);
          expect(crdAccepts(spec) ? [] : crdAccepts.errors).toEqual([]);
        }),
        { numRuns: 150 },
      );
    },
  );

  it.each(kinds)(
    'on generated invalid %s specs',
    (_kind, arb, validate, crdAccepts) => {
      const seen = new Set<string>();
      fc.assert(
        fc.property(
          arb,
          fc.constantFrom(...Object.keys(mutations)),
          fc.nat(),
          (valid, name, pick) => {
            const spec = structuredClone(valid);
            fc.pre(mutations[name](spec, pick));
            const zodOk = validate(spec).ok;
            expect({ name, crd: crdAccepts(spec) }).toEqual({
              name,
              crd: zodOk,
            });
            if (!zodOk) seen.add(name);
          },
        ),
        { numRuns: 200 },
      );
      // Every kind of structural mistake was generated and rejected by both at least once (access
      // policies have no numbers and no list-map lists).
      const notApplicable =
        _kind === 'AIAccessPolicy'
          ? ['negative', 'duplicate list-map key']
          : [];
      expect([...seen].sort()).toEqual(
        Object.keys(mutations)
          .filter(m => !notApplicable.includes(m))
          .sort(),
      );
    },
  );
});

describe('the CRD schema rejects the malformed policies of issue #3', () => {
  const routing = () => parse(specRoutingPolicyYaml).spec;
  const access = () => parse(specAccessPolicyYaml).spec;

  it.each<[string, () => any]>([
    ['missing targetRef', () => ({ ...routing(), targetRef: undefined })],
    [
      'unknown schema',
      () => {
        const s = routing();
        s.providers[0].schema = 'OpenAi';
        return s;
      },
    ],
    [
      'unknown credential type',
      () => {
        const s = routing();
        s.providers[0].credentials.type = 'Token';
        return s;
      },
    ],
    [
      'negative limit',
      () => {
        const s = routing();
        s.models[0].rateLimit.tokensPerHour = -1;
        return s;
      },
    ],
    [
      'empty backends',
      () => {
        const s = routing();
        s.models[0].backends = [];
        return s;
      },
    ],
    [
      'provider name not a DNS label',
      () => {
        const s = routing();
        s.providers[2].name = 'Bedrock';
        return s;
      },
    ],
    [
      'backend provider not a DNS label',
      () => {
        const s = routing();
        s.models[0].backends[0].provider = 'open_ai';
        return s;
      },
    ],
  ])('AIRoutingPolicy: %s', (_name, make) => {
    const spec = JSON.parse(JSON.stringify(make()));
    expect(crdAcceptsRouting(spec)).toBe(false);
    expect(validateRoutingPolicySpec(spec).ok).toBe(false);
  });

  it.each<[string, () => any]>([
    [
      'without trust domain',
      () => {
        const s = access();
        delete s.mtls.trustDomain;
        return s;
      },
    ],
    [
      'without trust bundle',
      () => {
        const s = access();
        delete s.mtls.trustBundleConfigMap;
        return s;
      },
    ],
  ])('AIAccessPolicy %s', (_name, make) => {
    const spec = make();
    expect(crdAcceptsAccess(spec)).toBe(false);
    expect(validateAccessPolicySpec(spec).ok).toBe(false);
  });
});

describe('CRD defaults', () => {
  // The API server applies the CRD defaults; entityToResource applies the zod ones. They must
  // give the same object, or the reconciler would see drift that is not there.
  const defaulting = new Ajv({
    useDefaults: true,
    strictTypes: false,
    strict: false,
  });
  const defaultRouting = defaulting.compile(
    specSchemaOf(buildRoutingPolicyCrd()),
  );
  const defaultAccess = defaulting.compile(
    specSchemaOf(buildAccessPolicyCrd()),
  );

  it.each([
    [
      'AIRoutingPolicy',
      routingPolicySpecArb as fc.Arbitrary<any>,
      validateRoutingPolicySpec,
      defaultRouting,
    ],
    [
      'AIAccessPolicy',
      accessPolicySpecArb as fc.Arbitrary<any>,
      validateAccessPolicySpec,
      defaultAccess,
    ],
  ] as const)(
    'are the zod defaults for %s',
    (_kind, arb, validate, applyDefaults) => {
      fc.assert(
        fc.property(arb, spec => {
          const defaulted = structuredClone(spec);
          expect(applyDefaults(defaulted)).toBe(true);
          const result = validate(spec);
          expect(result.ok && result.value).toEqual(defaulted);
        }),
        { numRuns: 100 },
      );
    },
  );
});

describe('deploy/rbac/clusterrole.yaml', () => {
  const role = parse(
    readFileSync(
      resolve(__dirname, '../../../../deploy/rbac/clusterrole.yaml'),
      'utf8',
    ),
  );
  const rule = (group: string, resource: string) =>
    role.rules.find(
      (r: any) => r.apiGroups.includes(group) && r.resources.includes(resource),
    )?.verbs;

  it('lets the reconciler manage both policy kinds and their status', () => {
    for (const crd of [
      buildRoutingPolicyCrd(),
      buildAccessPolicyCrd(),
    ] as any[]) {
      for (const resource of [
        crd.spec.names.plural,
        `${crd.spec.names.plural}/status`,
      ]) {
        expect(rule('aigateway.kagenti.dev', resource)).toEqual([
          'get',
          'list',
          'watch',
          'create',
          'patch',
          'update',
          'delete',
        ]);
      }
    }
  });

  it('only reads Gateways and ConfigMaps', () => {
    expect(rule('gateway.networking.k8s.io', 'gateways')).toEqual([
      'get',
      'list',
      'watch',
    ]);
    expect(rule('', 'configmaps')).toEqual(['get', 'list', 'watch']);
  });
});
