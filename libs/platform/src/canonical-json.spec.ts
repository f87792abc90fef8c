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
});
