import path from 'node:path';
import {
  validateAgainstSchema,
  validateObject,
  loadCrds,
  findCrd,
  applyDefaults,
  parseCrds,
} from './validation';

const upstream = path.resolve(__dirname, '../../../deploy/upstream-crds');

describe('validateAgainstSchema', () => {
  const schema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'integer', minimum: 1, maximum: 10 },
          color: { type: 'string', enum: ['red', 'blue'] },
          name: {
            type: 'string',
            maxLength: 5,
            minLength: 1,
            pattern: '^[a-z]+$',
          },
          port: { 'x-kubernetes-int-or-string': true },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          free: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
          },
          opt: { type: 'string', nullable: true },
          rules: {
            type: 'array',
            maxItems: 2,
            items: {
              type: 'object',
              properties: {
                backendRefs: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['name'],
                    properties: { name: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };

  it('counts string lengths in characters (code points), not UTF-16 units', () => {
    const lengths = {
      type: 'object',
      properties: {
        short: { type: 'string', maxLength: 3 },
        long: { type: 'string', minLength: 3 },
      },
    };
    const problems = (short: string, long: string) =>
      validateAgainstSchema(lengths, { short, long }).map(p => p.path);
    // Three emoji are six UTF-16 units and three characters: within both bounds.
    expect(problems('😀😀😀', '😀😀😀')).toEqual([]);
    expect(problems('abc', 'abc')).toEqual([]);
    expect(problems('😀😀😀😀', '😀😀')).toEqual(['short', 'long']);
    expect(problems('abcd', 'ab')).toEqual(['short', 'long']);
  });

  it('accepts a valid object, including int-or-string, nullable, preserved and map fields', () => {
    expect(
      validateAgainstSchema(schema, {
        apiVersion: 'x/v1',
        kind: 'W',
        metadata: { name: 'a', anything: 1 },
        spec: {
          size: 3,
          color: 'red',
          name: 'abc',
          port: 'http',
          labels: { a: 'b' },
          free: { x: { y: 1 } },
          opt: null,
          rules: [{ backendRefs: [{ name: 'n' }] }],
        },
      }),
    ).toEqual([]);
  });

  it('names every problem by its field path', () => {
    const problems = validateAgainstSchema(schema, {
      spec: {
        size: 0,
        color: 'green',
        name: 'ABCDEFG',
        port: 1.5,
        labels: { a: 1 },
        colour: 'x',
        opt: 3,
        rules: [{ backendRefs: [{}] }, { backendRefs: [] }, {}],
      },
    });
    const byPath = Object.fromEntries(problems.map(p => [p.path, p.message]));
    expect(byPath['spec.size']).toBe(
      'Invalid value: 0: spec.size in body should be greater than or equal to 1',
    );
    expect(byPath['spec.color']).toBe(
      'Unsupported value: "green": supported values: "red", "blue"',
    );
    expect(byPath['spec.colour']).toBe('unknown field "spec.colour"');
    expect(byPath['spec.port']).toMatch(/must be of type integer,string/);
    expect(byPath['spec.labels[a]']).toMatch(/must be of type string/);
    expect(byPath['spec.opt']).toMatch(/must be of type string/);
    expect(byPath['spec.rules']).toBe('Too many: 3: must have at most 2 items');
    expect(byPath['spec.rules[0].backendRefs[0].name']).toBe('Required value');
    expect(byPath['spec.rules[1].backendRefs']).toMatch(
      /should have at least 1 items/,
    );
    expect(
      problems.filter(p => p.path === 'spec.name').map(p => p.message),
    ).toEqual([
      'Too long: may not be more than 5 bytes',
      `Invalid value: "ABCDEFG": spec.name in body should match '^[a-z]+$'`,
    ]);
  });

  it('reports a missing required field', () => {
    expect(validateAgainstSchema(schema, { spec: {} })).toEqual([
      { path: 'spec.size', message: 'Required value', type: 'required' },
    ]);
  });

  it('applies defaults', () => {
    const obj: any = { spec: {} };
    applyDefaults(
      {
        properties: {
          spec: {
            type: 'object',
            properties: { mode: { type: 'string', default: 'x' } },
          },
        },
      },
      obj,
    );
    expect(obj.spec.mode).toBe('x');
  });

  it('applies defaults inside lists, maps and defaulted objects, without sharing them', () => {
    const withDefaults = {
      type: 'object',
      properties: {
        plain: { type: 'object', properties: { a: { type: 'string' } } },
        list: {
          type: 'array',
          items: {
            type: 'object',
            properties: { weight: { type: 'integer', default: 1 } },
          },
        },
        byName: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { on: { type: 'boolean', default: true } },
          },
        },
        retry: {
          type: 'object',
          default: {},
          properties: {
            attempts: { type: 'integer', default: 2 },
            codes: { type: 'array', default: [503] },
          },
        },
      },
    };
    const first: any = {
      plain: { a: 'x' },
      list: [{}, { weight: 5 }],
      byName: { x: {}, y: { on: false } },
    };
    const second: any = {};
    applyDefaults(withDefaults, first);
    applyDefaults(withDefaults, second);
    expect(first).toEqual({
      plain: { a: 'x' },
      list: [{ weight: 1 }, { weight: 5 }],
      byName: { x: { on: true }, y: { on: false } },
      retry: { attempts: 2, codes: [503] },
    });
    expect(second).toEqual({ retry: { attempts: 2, codes: [503] } });
    second.retry.codes.push(504);
    expect(first.retry.codes).toEqual([503]);
  });

  it('judges allOf, anyOf, oneOf and not as the API server does', () => {
    const credentials = {
      type: 'object',
      properties: {
        type: { type: 'string' },
        secret: { type: 'string' },
        region: { type: 'string' },
        limit: { type: 'integer' },
      },
      allOf: [{ properties: { limit: { minimum: 1 } } }],
      anyOf: [{ required: ['secret'] }, { required: ['region'] }],
      oneOf: [
        { properties: { type: { enum: ['Key'] } }, required: ['secret'] },
        { properties: { type: { enum: ['Cloud'] } }, required: ['region'] },
      ],
      not: { required: ['type', 'secret', 'region'] },
    };
    const messages = (value: object) =>
      validateAgainstSchema(
        { type: 'object', properties: { credentials } },
        { credentials: value },
      ).map(p => `${p.path}: ${p.message}`);
    expect(messages({ type: 'Key', secret: 's', limit: 3 })).toEqual([]);
    expect(messages({ type: 'Cloud', region: 'r' })).toEqual([]);
    // An allOf branch's problems are the value's own; failing branches of the others are not.
    expect(messages({ type: 'Key', secret: 's', limit: 0 })).toEqual([
      'credentials.limit: Invalid value: 0: credentials.limit in body should be greater than or equal to 1',
    ]);
    expect(messages({ type: 'Other' })).toEqual([
      'credentials: Invalid value: {"type":"Other"}: credentials in body must match at least one schema in anyOf',
      'credentials: Invalid value: {"type":"Other"}: credentials in body must match exactly one schema in oneOf',
    ]);
    // Both oneOf branches would need type to be two things; `not` forbids all three fields.
    expect(messages({ type: 'Key', secret: 's', region: 'r' })).toEqual([
      'credentials: Invalid value: {"type":"Key","secret":"s","region":"r"}: credentials in body should not be valid against schema in not',
    ]);
    const twice = {
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
    };
    expect(validateAgainstSchema(twice, { a: 1, b: 2 })).toHaveLength(1);
    expect(validateAgainstSchema(twice, { b: 2 })).toEqual([]);
  });
});

describe('upstream CRDs', () => {
  const crds = loadCrds(upstream);

  it('loads them all', () => {
    expect(crds.map(c => c.spec.names.kind)).toEqual(
      expect.arrayContaining([
        'AIGatewayRoute',
        'AIServiceBackend',
        'BackendSecurityPolicy',
        'Backend',
        'BackendTrafficPolicy',
        'ClientTrafficPolicy',
        'Gateway',
        'HTTPRoute',
        'BackendTLSPolicy',
      ]),
    );
    expect(
      findCrd(crds, 'aigateway.envoyproxy.io/v1beta1', 'AIServiceBackend')
        ?.metadata.name,
    ).toBe('aiservicebackends.aigateway.envoyproxy.io');
    expect(
      findCrd(crds, 'aigateway.envoyproxy.io/v9', 'AIServiceBackend'),
    ).toBeUndefined();
  });

  it('accepts a valid AIServiceBackend and rejects a malformed one', () => {
    const good = {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIServiceBackend',
      metadata: { name: 'r-openai', namespace: 'team1' },
      spec: {
        schema: { name: 'OpenAI', version: 'v1' },
        backendRef: {
          name: 'r-openai',
          group: 'gateway.envoyproxy.io',
          kind: 'Backend',
        },
      },
    };
    expect(validateObject(crds, good)).toEqual([]);
    const bad = {
      ...good,
      spec: { schema: { name: 'Nope' }, backendRef: { name: 'x', grup: 'y' } },
    };
    const paths = validateObject(crds, bad).map(p => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['spec.schema.name', 'spec.backendRef.grup']),
    );
  });

  it('accepts a Gateway', () => {
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'g', namespace: 'team1' },
      spec: {
        gatewayClassName: 'eg',
        listeners: [
          {
            name: 'https',
            port: 8443,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ name: 's' }] },
          },
        ],
      },
    };
    expect(validateObject(crds, gw)).toEqual([]);
  });

  it('ignores non-CRD documents in multi-document YAML', () => {
    expect(
      parseCrds(
        'kind: ConfigMap\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b}\nspec: {group: b, names: {kind: A, plural: a}, scope: Namespaced, versions: []}\n',
      ),
    ).toHaveLength(1);
  });
});
