import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode, ExtData } from '@msgpack/msgpack';
import fc from 'fast-check';
import {
  canonicalDecimal,
  CtyValueError,
  decodeJson,
  decodeMsgpack,
  encodeJson,
  encodeMsgpack,
  isUnknown,
  numberFromText,
  parseJson,
  PreciseNumber,
  t,
  TypedValue,
  typeFromJson,
  typeToJson,
  UNKNOWN,
  Unknown,
  valuesEqual,
  type CtyType,
  type ObjectValue,
} from '../../src/provider/cty';

const ruleType = t.object({ name: t.string, port: t.number, tags: t.set(t.string) });
const stateType: CtyType = t.object({
  id: t.string,
  size: t.number,
  enabled: t.bool,
  names: t.list(t.string),
  labels: t.map(t.string),
  rules: t.list(ruleType),
  single: ruleType,
  pair: t.tuple([t.string, t.number]),
});

const sample: ObjectValue = {
  id: 'abc',
  size: 42,
  enabled: true,
  names: ['a', 'b'],
  labels: { env: 'test', 'with space': 'x' },
  rules: [
    { name: 'r1', port: 67, tags: ['x', 'y'] },
    { name: 'r2', port: null, tags: null },
  ],
  single: null,
  pair: ['p', 1.5],
};

describe('cty msgpack codec', () => {
  it('round-trips nested objects, lists, sets, maps, tuples and nulls', () => {
    const back = decodeMsgpack(encodeMsgpack(sample, stateType), stateType);
    assert.deepEqual(back, sample);
  });

  it('encodes every attribute of the type, missing ones as nil', () => {
    const raw = decode(encodeMsgpack({ id: 'x' }, stateType)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(raw).sort(), ['enabled', 'id', 'labels', 'names', 'pair', 'rules', 'single', 'size']);
    assert.equal(raw.size, null);
  });

  it('encodes a whole null object as msgpack nil', () => {
    assert.deepEqual([...encodeMsgpack(null, stateType)], [0xc0]);
    assert.equal(decodeMsgpack(Uint8Array.from([0xc0]), stateType), null);
  });

  it('encodes unknown as extension type 0 and decodes extension 0 and refined extension 12', () => {
    const bytes = encodeMsgpack({ id: UNKNOWN }, t.object({ id: t.string }));
    const raw = decode(bytes) as Record<string, unknown>;
    assert.ok(raw.id instanceof ExtData);
    assert.equal(raw.id.type, 0);

    // Refinement maps have integer keys, which @msgpack/msgpack cannot encode from JS: hand-made.
    const notNullWithPrefix = Uint8Array.from([0x82, 0x01, 0xc2, 0x02, 0xa3, ...Buffer.from('pre')]); // {1: false, 2: "pre"}
    const lengthOneToThree = Uint8Array.from([0x82, 0x05, 0x01, 0x06, 0x03]); // {5: 1, 6: 3}
    const wire = encode({ a: new ExtData(0, new Uint8Array([0])), b: new ExtData(12, notNullWithPrefix), c: new ExtData(12, lengthOneToThree) });
    const value = decodeMsgpack(wire, t.object({ a: t.string, b: t.string, c: t.list(t.string) })) as ObjectValue;
    assert.equal(value.a, UNKNOWN);
    assert.ok(isUnknown(value.b));
    assert.deepEqual(value.b.refinements, { notNull: true, stringPrefix: 'pre' });
    assert.deepEqual((value.c as Unknown).refinements, { lengthLower: 1, lengthUpper: 3 });
  });

  it('treats any other extension type as unknown too', () => {
    const value = decodeMsgpack(encode({ a: new ExtData(7, new Uint8Array([1, 2])) }), t.object({ a: t.number })) as ObjectValue;
    assert.equal(value.a, UNKNOWN);
  });

  it('reads numbers sent as msgpack strings, keeping precision a JS number cannot hold', () => {
    const type = t.object({ a: t.number, b: t.number, c: t.number, d: t.number });
    const value = decodeMsgpack(encode({ a: '0.1', b: '12345678901234567890', c: 7, d: BigInt('9007199254740993') }, { useBigInt64: true }), type) as ObjectValue;
    assert.equal(value.a, 0.1);
    assert.ok(value.b instanceof PreciseNumber);
    assert.equal(value.b.text, '12345678901234567890');
    assert.equal(value.c, 7);
    assert.deepEqual(value.d, new PreciseNumber('9007199254740993'));
  });

  it('sends non-integers as decimal text (Terraform compares them at 512-bit precision) and integers as integers', () => {
    const type = t.object({ a: t.number, b: t.number, c: t.number, d: t.number });
    const raw = decode(encodeMsgpack({ a: 0.1, b: 67, c: new PreciseNumber('1.00000000000000000001'), d: 1e21 }, type)) as Record<string, unknown>;
    assert.deepEqual(raw, { a: '0.1', b: 67, c: '1.00000000000000000001', d: '1000000000000000000000' });
  });

  it('round-trips any finite double exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const back = (decodeMsgpack(encodeMsgpack({ n }, t.object({ n: t.number })), t.object({ n: t.number })) as ObjectValue).n;
        return back === (Object.is(n, -0) ? 0 : n);
      }),
    );
  });

  it('refuses values that do not fit the type, naming the attribute', () => {
    assert.throws(
      () => encodeMsgpack({ ...sample, rules: [{ name: 'r', port: 'sixty', tags: null }] }, stateType),
      (err: unknown) => err instanceof CtyValueError && err.message === 'rules[0].port: expected number, got string "sixty"',
    );
    assert.throws(
      () => encodeMsgpack({ id: 'x', sise: 1 }, stateType),
      (err: unknown) => err instanceof CtyValueError && /^sise: attribute is not in the schema/.test(err.message),
    );
    assert.throws(() => decodeMsgpack(encode({ id: 5 }), t.object({ id: t.string })), /id: expected string, got number 5/);
  });

  it('keeps map keys such as __proto__ as data', () => {
    const type = t.object({ m: t.map(t.string) });
    const value = JSON.parse('{"m":{"__proto__":"x","a":"b"}}') as ObjectValue;
    const back = decodeJson(encodeJson(value, type), type) as ObjectValue;
    assert.deepEqual(Object.keys(back.m as object), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(back.m), Object.prototype);
  });

  it('encodes dynamic values as [type JSON, value] and decodes them back', () => {
    const type = t.object({ d: t.dynamic });
    const bytes = encodeMsgpack({ d: new TypedValue(t.list(t.string), ['a']) }, type);
    const raw = decode(bytes) as { d: [Uint8Array, unknown] };
    assert.equal(Buffer.from(raw.d[0]).toString(), '["list","string"]');
    const back = decodeMsgpack(bytes, type) as ObjectValue;
    assert.deepEqual(back.d, new TypedValue({ list: 'string' }, ['a']));
  });
});

describe('cty JSON form (UpgradeResourceState raw_state)', () => {
  it('decodes with exact numbers and drops attributes the type lacks when asked', () => {
    const json = '{"id":"x","size":12345678901234567890.5,"old":true,"rules":[{"name":"r","port":67,"tags":["a"]}]}';
    const type = t.object({ id: t.string, size: t.number, rules: t.list(ruleType), labels: t.map(t.string) });
    assert.throws(() => decodeJson(json, type), /old: unsupported attribute/);
    const value = decodeJson(json, type, { ignoreUnknownAttributes: true }) as ObjectValue;
    assert.deepEqual(value, { id: 'x', size: new PreciseNumber('12345678901234567890.5'), rules: [{ name: 'r', port: 67, tags: ['a'] }], labels: null });
  });

  it('encodes known values and refuses unknowns', () => {
    const type = t.object({ a: t.number, b: t.list(t.string), c: t.dynamic });
    assert.equal(encodeJson({ a: 0.1, b: ['x'], c: 'y' }, type), '{"a":0.1,"b":["x"],"c":{"type":"string","value":"y"}}');
    assert.throws(() => encodeJson({ a: UNKNOWN }, type), /a: unknown values cannot be encoded as JSON/);
  });

  it('parses JSON like JSON.parse apart from numbers', () => {
    const text = '{"a":[1,2.5,-3.25,"s\\u00e9\\n"],"b":{"c":null,"d":false},"e":1e3}';
    assert.deepEqual(parseJson(text), JSON.parse(text));
    assert.throws(() => parseJson('{"a":1,}'), /invalid JSON/);
    assert.throws(() => parseJson('[1] x'), /trailing characters/);
  });
});

describe('numbers', () => {
  it('canonicalises decimal text', () => {
    assert.equal(canonicalDecimal('1e3'), '1000');
    assert.equal(canonicalDecimal('-0.000'), '0');
    assert.equal(canonicalDecimal('00012.3400'), '12.34');
    assert.equal(canonicalDecimal('1.5e-3'), '0.0015');
    assert.equal(canonicalDecimal('+.5'), '0.5');
    assert.equal(canonicalDecimal('abc'), undefined);
    assert.equal(canonicalDecimal('.'), undefined);
  });

  it('uses a JS number only when it holds the value exactly', () => {
    assert.equal(numberFromText('0.1'), 0.1);
    assert.equal(numberFromText('9007199254740991'), 9007199254740991);
    assert.deepEqual(numberFromText('9007199254740993'), new PreciseNumber('9007199254740993'));
    assert.deepEqual(numberFromText('0.12345678901234567890123'), new PreciseNumber('0.12345678901234567890123'));
  });
});

describe('types and equality', () => {
  it('converts types to and from their JSON form', () => {
    const type: CtyType = t.object({ a: t.list(t.set(t.map(t.number))), b: t.tuple([t.bool, t.dynamic]) });
    assert.deepEqual(typeToJson(type), ['object', { a: ['list', ['set', ['map', 'number']]], b: ['tuple', ['bool', 'dynamic']] }]);
    assert.deepEqual(typeFromJson(typeToJson(type)), type);
    assert.throws(() => typeFromJson(['lisst', 'string']), /not a cty type/);
  });

  it('compares sets without order, numbers by value, missing attributes as null', () => {
    assert.ok(valuesEqual(['a', 'b'], ['b', 'a'], t.set(t.string)));
    assert.ok(!valuesEqual(['a', 'b'], ['b', 'a'], t.list(t.string)));
    assert.ok(valuesEqual(1, new PreciseNumber('1.0')));
    assert.ok(valuesEqual({ a: null }, {}));
    assert.ok(!valuesEqual({ a: 1 }, { a: UNKNOWN }));
    assert.ok(valuesEqual(UNKNOWN, UNKNOWN));
    assert.ok(!valuesEqual(['a', 'a', 'b'], ['a', 'b', 'b'], t.set(t.string)));
  });
});
