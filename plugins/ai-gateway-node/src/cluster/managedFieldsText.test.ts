import fc from 'fast-check';
import { withoutManagedFieldsText } from './managedFieldsText';
import { KubeObject, withoutManagedFields } from './types';

const managedFields = [
  {
    manager: 'kagenti-ai-gateway',
    operation: 'Apply',
    apiVersion: 'v1',
    time: '2026-11-27T10:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:labels': {} } },
  },
];

/** Strings that look like the keys the stripper looks for, escaped quotes and brackets. */
const tricky = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '"managedFields":[',
    '"metadata":{',
    'a"managedFields":[1]',
    'a"managedFields',
    '\\',
    '\\"',
    '"',
    '{[',
    ']}',
    'héllo 日本語',
  ),
  fc
    .array(fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', 'm'))
    .map(cs => cs.join('')),
);
const anyJson = fc.letrec<{ value: unknown }>(tie => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(
      fc.oneof(tricky, fc.constantFrom('managedFields', 'metadata')),
      tie('value'),
      {
        maxKeys: 3,
      },
    ),
  ),
})).value;

describe('withoutManagedFieldsText', () => {
  it('cuts the managedFields out of an answer as the API server writes it', () => {
    const answer = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        annotations: { note: '"managedFields":[ is only text here' },
        creationTimestamp: '2026-11-27T10:00:00Z',
        labels: { app: 'a' },
        managedFields,
        name: 'a',
        namespace: 'default',
        resourceVersion: '7',
      },
      data: { k: 'v' },
    };
    const text = withoutManagedFieldsText(JSON.stringify(answer));
    expect(text).not.toContain('kagenti-ai-gateway');
    expect(JSON.parse(text)).toEqual(withoutManagedFields(answer));
    // Last key of the metadata, and its only key.
    const {
      name: _n,
      namespace: _ns,
      resourceVersion: _rv,
      ...rest
    } = answer.metadata;
    for (const metadata of [rest, { managedFields }]) {
      const o = { ...answer, metadata } as unknown as KubeObject;
      expect(JSON.parse(withoutManagedFieldsText(JSON.stringify(o)))).toEqual(
        withoutManagedFields(o),
      );
    }
  });

  it('gives back unchanged what it cannot be sure of', () => {
    for (const o of [
      // A list: the managedFields are its items'.
      { kind: 'List', metadata: {}, items: [{ metadata: { managedFields } }] },
      // Someone's own field of the name, before the metadata.
      { kind: 'X', spec: { managedFields: [1] }, metadata: { managedFields } },
      // Someone's own metadata, before the object's.
      {
        kind: 'X',
        spec: { metadata: { managedFields: [1] } },
        metadata: { managedFields },
      },
      // Keys that end like the one looked for.
      { kind: 'X', 'a"managedFields': [1], metadata: { name: 'a' } },
      { kind: 'X', metadata: { 'a"managedFields': [1], name: 'a' } },
    ]) {
      const text = JSON.stringify(o);
      expect(withoutManagedFieldsText(text)).toBe(text);
    }
    expect(withoutManagedFieldsText('{"metadata": {"managedFields":[]}}')).toBe(
      '{"metadata": {"managedFields":[]}}',
    );
    expect(withoutManagedFieldsText('{"metadata":{"managedFields":[')).toBe(
      '{"metadata":{"managedFields":[',
    );
  });

  it('never changes what any object parses to, except by dropping its managedFields', () => {
    fc.assert(
      fc.property(
        fc.dictionary(tricky, anyJson, { maxKeys: 3 }),
        fc.dictionary(tricky, anyJson, { maxKeys: 3 }),
        fc.option(anyJson, { nil: undefined }),
        fc.dictionary(tricky, anyJson, { maxKeys: 3 }),
        (before, metadataRest, fields, after) => {
          const o = {
            ...before,
            metadata: {
              ...metadataRest,
              ...(fields === undefined ? {} : { managedFields: fields }),
            },
            ...after,
          } as unknown as KubeObject;
          const text = JSON.stringify(o);
          const out = withoutManagedFieldsText(text);
          // Either untouched, or exactly the object without its managedFields.
          const expected = out === text ? o : withoutManagedFields(o);
          expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(expected)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('always cuts them out of objects shaped like the answers of an apply', () => {
    const labels = fc.dictionary(fc.string(), tricky, { maxKeys: 3 });
    fc.assert(
      fc.property(
        fc.record({
          apiVersion: fc.constantFrom('v1', 'aigateway.envoyproxy.io/v1beta1'),
          kind: tricky,
          metadata: fc.record({
            annotations: labels,
            labels,
            managedFields: fc.array(
              fc.record({ manager: tricky, fieldsV1: anyJson }),
              { minLength: 1, maxLength: 2 },
            ),
            name: tricky,
            ownerReferences: fc.array(
              fc.record({ kind: tricky, name: tricky, uid: fc.uuid() }),
              { maxLength: 1 },
            ),
          }),
          spec: anyJson,
          status: anyJson,
        }),
        o => {
          const text = JSON.stringify(o);
          const out = withoutManagedFieldsText(text);
          expect(out).not.toBe(text);
          expect(JSON.parse(out)).toEqual(
            withoutManagedFields(o as unknown as KubeObject),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
