import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

describe('canonicalJson: the bytes the audit chain and the idempotency hash cover', () => {
  it('sorts keys at every depth (by UTF-16 code units) and drops undefined members, so key order never changes the bytes', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'ی' }], c: undefined } })).toBe('{"a":{"d":[1,{"y":"ی","z":null}]},"b":1}');
    expect(canonicalJson({ a: 1, B: 2, ab: 3, 'é': 4 })).toBe('{"B":2,"a":1,"ab":3,"é":4}');
  });

  it('writes undefined array items and a missing body as null, and leaves no whitespace', () => {
    expect(canonicalJson([1, undefined, 'x y'])).toBe('[1,null,"x y"]');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({ nested: { list: [], empty: {} } })).toBe('{"nested":{"empty":{},"list":[]}}');
  });

  it('gives the bytes of the plain definition (sorted entries, stringified) for any JSON value, integer-like and non-ASCII keys included', () => {
    const plain = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : plain(item))).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        const members = Object.keys(record).sort().filter((key) => record[key] !== undefined);
        return `{${members.map((key) => `${JSON.stringify(key)}:${plain(record[key])}`).join(',')}}`;
      }
      return JSON.stringify(value) ?? 'null';
    };
    const key = fc.oneof(fc.string(), fc.constantFrom('10', '9', '0', 'a', 'B', 'é', 'ی', '__proto__x'));
    // What JSON.stringify escapes or spells its own way: quotes, backslashes, control
    // characters, lone surrogates (any UTF-16 unit), -0, non-finite and exponent numbers.
    const scalar = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udc00', 'a', 'ی') }),
      fc.double(),
      fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 5e-7, Number.MAX_VALUE),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 0 }), scalar, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(key, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 8 }),
    })).value;
    fc.assert(fc.property(json, (value) => canonicalJson(value) === plain(value)), { numRuns: 2_000 });
  });
});
