import { KINDS } from '@mesh/shared-api';
import { definitionName, openApiV3Document, openApiV3Index } from './openapi-v3.js';
import { toOpenApiSchema } from './schema-to-openapi.js';

describe('toOpenApiSchema', () => {
  it('keeps OpenAPI 3.0 keywords and maps draft-7 forms', () => {
    expect(
      toOpenApiSchema({
        type: 'object',
        additionalProperties: false,
        required: ['a'],
        errorMessage: 'dropped',
        properties: {
          a: { type: ['string', 'null'], pattern: '^x', errorMessage: 'dropped' },
          b: { type: 'integer', exclusiveMinimum: 0, maximum: 10 },
          c: { const: 'fixed' },
          d: { type: 'object' },
          e: { if: { type: 'string' }, then: { minLength: 1 }, oneOf: [{ type: 'string' }, { type: 'number' }] },
        },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['a'],
      properties: {
        a: { type: 'string', nullable: true, pattern: '^x' },
        b: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 10 },
        c: { enum: ['fixed'] },
        d: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        e: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
    });
  });

  it('inlines local $refs and cuts recursion off', () => {
    const schema = { definitions: { node: { type: 'object', properties: { child: { $ref: '#/definitions/node' } } } }, $ref: '#/definitions/node' };
    let s = toOpenApiSchema(schema) as Record<string, unknown>;
    let depth = 0;
    while ((s['properties'] as Record<string, unknown> | undefined)?.['child']) {
      s = (s['properties'] as Record<string, Record<string, unknown>>)['child']!;
      depth++;
    }
    expect(depth).toBeGreaterThan(3);
    expect(s).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});

describe('openApiV3Document', () => {
  it('describes every served kind and version, with the operations and extensions kubectl reads', () => {
    const index = openApiV3Index('0.1.0');
    for (const k of KINDS) {
      for (const v of k.versions) {
        expect(index.paths[`apis/${k.group}/${v}`]).toBeDefined();
        const doc = openApiV3Document(k.group, v, '0.1.0')!;
        const schemas = (doc['components'] as { schemas: Record<string, unknown> }).schemas;
        expect(schemas[definitionName(k.group, v, k.kind)]).toMatchObject({ 'x-kubernetes-group-version-kind': [{ group: k.group, version: v, kind: k.kind }] });
        const paths = doc['paths'] as Record<string, Record<string, { 'x-kubernetes-action'?: string; parameters?: Array<{ name: string }> }>>;
        const objectPath = k.namespaced ? `/apis/${k.group}/${v}/namespaces/{namespace}/${k.plural}/{name}` : `/apis/${k.group}/${v}/${k.plural}/{name}`;
        expect(Object.keys(paths[objectPath]!).filter((m) => m !== 'parameters').sort()).toEqual(['delete', 'get', 'patch', 'put']);
        expect(paths[objectPath]!['patch']!.parameters!.map((p) => p.name)).toContain('fieldValidation');
      }
    }
    // Every document is plain JSON (no undefined, no functions): what a Go client unmarshals.
    const doc = openApiV3Document('networking.istio.io', 'v1alpha3', '0.1.0');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(openApiV3Document('example.com', 'v1', '0.1.0')).toBeUndefined();
  });
});
