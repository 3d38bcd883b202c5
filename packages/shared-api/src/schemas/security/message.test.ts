import Ajv from 'ajv';
import type { JsonSchema } from '../common.js';
import { canonicalFieldName, enumOf, goDuration, message, nullable, oneOfFields, protoEnum, snakeCase, str } from './message.js';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
const valid = (schema: JsonSchema, data: unknown) => ajv.validate(schema, data);

describe('message schema builder', () => {
  const schema = message({ jwksUri: str, issuer: str, mode: enumOf(['A', 'B']) }, { required: ['issuer'], protoNames: true, oneOf: ['jwksUri', 'mode'] });

  it.each([
    [{ issuer: 'a' }, true],
    [{ issuer: 'a', jwksUri: null, mode: null }, true],
    [{ issuer: 'a', jwks_uri: 'https://x' }, true],
    [{ issuer: null }, false],
    [{}, false],
    [{ issuer: 'a', extra: 1 }, false],
    [{ issuer: 'a', mode: 'C' }, false],
  ])('validates %j as %s', (data, ok) => {
    expect(valid(schema, data)).toBe(ok);
  });

  it('maps proto names to JSON names and records oneof members', () => {
    expect(canonicalFieldName(schema, 'jwks_uri')).toBe('jwksUri');
    expect(canonicalFieldName(schema, 'issuer')).toBe('issuer');
    expect(oneOfFields(schema)).toEqual(['jwksUri', 'mode']);
  });

  it('keeps the alias table when a nested message becomes nullable', () => {
    const inner = message({ fooBar: str }, { protoNames: true });
    expect(canonicalFieldName(nullable(inner), 'foo_bar')).toBe('fooBar');
  });

  it.each([
    ['jwksUri', 'jwks_uri'],
    ['outputAsJson', 'output_as_json'],
    ['name', 'name'],
  ])('snakeCase(%s) is %s', (name, proto) => {
    expect(snakeCase(name)).toBe(proto);
  });

  it.each([
    ['WARNING', true],
    [1, true],
    [null, true],
    [3, false],
    ['LOUD', false],
  ])('protoEnum accepts names, numbers and null: %j → %s', (value, ok) => {
    expect(valid(protoEnum(['INFO', 'WARNING', 'ERROR']), value)).toBe(ok);
  });

  it.each(['1s', '250ms', '1.5s', '1h30m', '10us', '0s'])('goDuration accepts %s', (d) => {
    expect(valid(goDuration, d)).toBe(true);
  });

  it.each(['', '1', 'soon', '-1s', '1 s'])('goDuration rejects %j', (d) => {
    expect(valid(goDuration, d)).toBe(false);
  });
});
