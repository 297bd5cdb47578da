/*
 * CustomResourceDefinitions derived from the zod schemas, so the CRD and the TypeScript types
 * cannot drift apart. zod's JSON Schema is turned into a Kubernetes structural schema: unions of
 * objects become one object with `oneOf` constraints, `const` becomes `enum`, `additionalProperties:
 * false` is dropped (the API server prunes or, with strict field validation, rejects unknown
 * fields), and `x-kubernetes-*` hints come from the schemas' metadata.
 */
import * as z from 'zod';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_GROUP,
  AI_GATEWAY_API_VERSION_NAME,
  ROUTING_POLICY_KIND,
} from '../constants';
import {
  accessPolicySpecSchema,
  accessPolicyStatusSchema,
} from '../schema/accessPolicy';
import {
  routingPolicySpecSchema,
  routingPolicyStatusSchema,
} from '../schema/routingPolicy';

/** A JSON Schema / OpenAPI v3 schema node. */
export type JsonSchemaNode = { [key: string]: unknown };

const SAFE_INT_BOUND = Number.MAX_SAFE_INTEGER;

function isObjectSchema(node: unknown): node is JsonSchemaNode {
  return (
    typeof node === 'object' &&
    node !== null &&
    (node as JsonSchemaNode).type === 'object'
  );
}

const same = (a: unknown, b: unknown) =>
  JSON.stringify(a) === JSON.stringify(b);

/** Merges variant property schemas: equal ones stay, string enums are united. */
function mergeProperty(key: string, schemas: JsonSchemaNode[]): JsonSchemaNode {
  if (schemas.every(s => same(s, schemas[0]))) {
    return schemas[0];
  }
  if (schemas.every(s => s.type === 'string' && Array.isArray(s.enum))) {
    return {
      type: 'string',
      enum: [...new Set(schemas.flatMap(s => s.enum as unknown[]))],
    };
  }
  throw new Error(`cannot merge differing schemas of union property "${key}"`);
}

/** One object schema for a union of objects, with a `oneOf` picking exactly one variant. */
function mergeObjectUnion(variants: JsonSchemaNode[]): JsonSchemaNode {
  const props = variants.map(
    v => (v.properties ?? {}) as Record<string, JsonSchemaNode>,
  );
  const keys = [...new Set(props.flatMap(p => Object.keys(p)))];
  const properties: Record<string, JsonSchemaNode> = {};
  for (const key of keys) {
    properties[key] = mergeProperty(
      key,
      props.filter(p => key in p).map(p => p[key]),
    );
  }
  const requiredOf = (v: JsonSchemaNode) => (v.required ?? []) as string[];
  const required = requiredOf(variants[0]).filter(key =>
    variants.every(v => requiredOf(v).includes(key)),
  );
  const oneOf = variants.map((variant, i) => {
    const branch: JsonSchemaNode = {};
    const discriminators: Record<string, JsonSchemaNode> = {};
    for (const [key, schema] of Object.entries(props[i])) {
      if (!same(schema, properties[key]) && Array.isArray(schema.enum)) {
        discriminators[key] = { enum: schema.enum };
      }
    }
    if (Object.keys(discriminators).length > 0) {
      branch.properties = discriminators;
    }
    const extraRequired = requiredOf(variant).filter(
      key => !required.includes(key),
    );
    if (extraRequired.length > 0) {
      branch.required = extraRequired;
    }
    const forbidden = keys.filter(key => !(key in props[i]));
    if (forbidden.length > 0) {
      branch.not = { anyOf: forbidden.map(key => ({ required: [key] })) };
    }
    return branch;
  });
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    oneOf,
  };
}

/** Converts one node of zod's JSON Schema (OpenAPI 3.0 target) into a structural schema. */
export function toStructuralSchema(input: JsonSchemaNode): JsonSchemaNode {
  let node: JsonSchemaNode = { ...input };
  delete node.$schema;
  if (node.additionalProperties === false) {
    delete node.additionalProperties;
  }
  if (node.const !== undefined) {
    node.enum = [node.const];
    delete node.const;
  }
  if (node.minimum === -SAFE_INT_BOUND) {
    delete node.minimum;
  }
  if (node.maximum === SAFE_INT_BOUND) {
    delete node.maximum;
  }
  if (node['x-kubernetes-int-or-string']) {
    delete node.type;
    delete node.oneOf;
    node.anyOf = [{ type: 'integer' }, { type: 'string' }];
    return node;
  }
  for (const junctor of ['oneOf', 'anyOf'] as const) {
    const variants = node[junctor];
    if (
      Array.isArray(variants) &&
      variants.length > 0 &&
      variants.every(isObjectSchema)
    ) {
      const rest = { ...node };
      delete rest[junctor];
      node = { ...rest, ...mergeObjectUnion(variants) };
    }
  }
  if (node.properties) {
    const properties: Record<string, JsonSchemaNode> = {};
    let required = (node.required ?? []) as string[];
    for (const [key, value] of Object.entries(
      node.properties as Record<string, JsonSchemaNode>,
    )) {
      // z.never(): a field that must not be set. Leaving it out of the schema makes the API
      // server reject (strict field validation) or prune it.
      if (same(value, { not: {} })) {
        required = required.filter(r => r !== key);
        continue;
      }
      properties[key] = toStructuralSchema(value);
    }
    node.properties = properties;
    if (required.length > 0) {
      node.required = required;
    } else {
      delete node.required;
    }
  }
  if (node.items && typeof node.items === 'object') {
    node.items = toStructuralSchema(node.items as JsonSchemaNode);
  }
  return node;
}

/** The structural OpenAPI v3 schema of a zod schema (defaults make fields optional). */
export function zodToStructuralSchema(schema: z.ZodType): JsonSchemaNode {
  return toStructuralSchema(
    z.toJSONSchema(schema, {
      io: 'input',
      target: 'openapi-3.0',
    }) as JsonSchemaNode,
  );
}

interface CrdNames {
  kind: string;
  plural: string;
  singular: string;
  shortName: string;
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
}

export const CRD_CATEGORIES = ['kagenti', 'ai-gateway'];

function buildCrd(
  names: CrdNames,
  description: string,
  spec: z.ZodType,
  status: z.ZodType,
  columns: PrinterColumn[],
): JsonSchemaNode {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${AI_GATEWAY_API_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'kagenti-ai-gateway' },
    },
    spec: {
      group: AI_GATEWAY_API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: [names.shortName],
        categories: CRD_CATEGORIES,
      },
      versions: [
        {
          name: AI_GATEWAY_API_VERSION_NAME,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            {
              name: 'Gateway',
              type: 'string',
              jsonPath: '.spec.targetRef.name',
            },
            ...columns,
            {
              name: 'Programmed',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Programmed")].status',
            },
            {
              name: 'Age',
              type: 'date',
              jsonPath: '.metadata.creationTimestamp',
            },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description,
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: zodToStructuralSchema(spec),
                status: zodToStructuralSchema(status),
              },
              required: ['spec'],
            },
          },
        },
      ],
    },
  };
}

export function buildRoutingPolicyCrd(): JsonSchemaNode {
  return buildCrd(
    {
      kind: ROUTING_POLICY_KIND,
      plural: 'airoutingpolicies',
      singular: 'airoutingpolicy',
      shortName: 'airp',
    },
    'AIRoutingPolicy: the providers a Gateway routes to, their credentials, the models it exposes, fallback, failover and rate limits.',
    routingPolicySpecSchema,
    routingPolicyStatusSchema,
    [
      {
        name: 'Providers',
        type: 'string',
        jsonPath: '.spec.providers[*].name',
      },
    ],
  );
}

export function buildAccessPolicyCrd(): JsonSchemaNode {
  return buildCrd(
    {
      kind: ACCESS_POLICY_KIND,
      plural: 'aiaccesspolicies',
      singular: 'aiaccesspolicy',
      shortName: 'aiap',
    },
    'AIAccessPolicy: mutual TLS on a Gateway, admitting workloads by SPIFFE identity (SPIRE X.509-SVIDs) without API tokens.',
    accessPolicySpecSchema,
    accessPolicyStatusSchema,
    [
      {
        name: 'Trust Domain',
        type: 'string',
        jsonPath: '.spec.mtls.trustDomain',
      },
    ],
  );
}

/** Both CRDs with the file name each is committed under in `deploy/crds/`. */
export function buildPolicyCrds(): Array<{
  fileName: string;
  crd: JsonSchemaNode;
}> {
  return [
    { fileName: 'airoutingpolicies.yaml', crd: buildRoutingPolicyCrd() },
    { fileName: 'aiaccesspolicies.yaml', crd: buildAccessPolicyCrd() },
  ];
}
