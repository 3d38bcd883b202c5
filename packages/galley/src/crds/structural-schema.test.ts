import { toStructuralSchema } from './structural-schema.js';

const P = 'x-kubernetes-preserve-unknown-fields';

describe('toStructuralSchema', () => {
  it.each([
    ['a closed object keeps its fields, drops additionalProperties: false and ajv annotations', { type: 'object', additionalProperties: false, required: ['a'], properties: { a: { type: 'string', minLength: 1, errorMessage: 'x' } } }, { type: 'object', required: ['a'], properties: { a: { type: 'string', minLength: 1 } } }],
    ['an open object keeps unknown fields', { type: 'object', properties: { a: { type: 'integer' } } }, { type: 'object', properties: { a: { type: 'integer' } }, [P]: true }],
    ['a bare object is open', { type: 'object' }, { type: 'object', [P]: true }],
    ['a map keeps its value schema', { type: 'object', additionalProperties: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'string' } }],
    ['properties plus a typed map becomes open', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, { type: 'object', properties: { a: { type: 'string' } }, [P]: true }],
    ['an untyped node is open', {}, { [P]: true }],
    ['a null union becomes nullable', { type: ['string', 'null'] }, { nullable: true, type: 'string' }],
    ['int or string', { type: ['integer', 'string'] }, { 'x-kubernetes-int-or-string': true }],
    ['any other union is open', { type: ['boolean', 'string'] }, { [P]: true }],
    ['const becomes enum', { const: 'x' }, { type: 'string', enum: ['x'] }],
    ['enum infers its type', { enum: ['a', 'b'] }, { type: 'string', enum: ['a', 'b'] }],
    ['numeric exclusive bounds become booleans', { type: 'number', exclusiveMinimum: 0, maximum: 1 }, { type: 'number', minimum: 0, maximum: 1, exclusiveMinimum: true }],
    ['an array without items gets open items; uniqueItems is dropped', { type: 'array', uniqueItems: true, maxItems: 3 }, { type: 'array', maxItems: 3, items: { [P]: true } }],
    ['a pattern with lookahead is dropped, a plain one kept', { type: 'object', properties: { a: { type: 'string', pattern: '^(?!x)' }, b: { type: 'string', pattern: '^[a-z]+$' } }, additionalProperties: false }, { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string', pattern: '^[a-z]+$' } } }],
    ['unknown formats are dropped', { type: 'string', format: 'regex' }, { type: 'string' }],
    ['default and examples are dropped', { type: 'string', default: 'x', examples: ['y'] }, { type: 'string' }],
    ['patternProperties make an object open', { type: 'object', patternProperties: { '^x-': { type: 'string' } }, additionalProperties: false }, { type: 'object', [P]: true }],
  ])('%s', (_name, input, expected) => {
    expect(toStructuralSchema(input)).toEqual(expected);
  });

  it('inlines local $refs and stops at recursion', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { a: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', additionalProperties: false, properties: { next: { $ref: '#/$defs/node' }, v: { type: 'integer' } } } } };
    expect(toStructuralSchema(schema)).toEqual({
      type: 'object',
      properties: { a: { type: 'object', properties: { next: { [P]: true }, v: { type: 'integer' } } } },
    });
  });

  it('merges allOf into its parent', () => {
    expect(toStructuralSchema({ type: 'object', additionalProperties: false, allOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'integer' } } }] })).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a'],
    });
  });

  it('keeps a oneOf of required fields (pure value validation) as it is', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { exact: { type: 'string' }, prefix: { type: 'string' } }, oneOf: [{ required: ['exact'] }, { required: ['prefix'] }] };
    expect(toStructuralSchema(schema)).toMatchObject({ oneOf: [{ required: ['exact'] }, { required: ['prefix'] }] });
  });

  it('drops a oneOf that carries structure, keeping the fields its branches declare', () => {
    const schema = { type: 'object', oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'integer' } } }] };
    expect(toStructuralSchema(schema)).toEqual({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } }, [P]: true });
  });
});
