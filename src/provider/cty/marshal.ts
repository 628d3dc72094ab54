/** Encoding values for the wire (msgpack, and JSON through json.ts), checked against the type (go-cty's marshal.go). */
import { encode as msgpackEncode, ExtData } from '@msgpack/msgpack';
import type { AttributePath } from '../diagnostics';
import { CtyValueError } from './error';
import { PreciseNumber, numberToDecimal } from './numbers';
import { typeToJson, typeToString, type CtyType } from './types';
import { Unknown } from './unknown';
import { TypedValue, isObjectValue, type Value } from './values';
import { child, describe, setOwn, type Flavour } from './wire';

/** JSON text placed in the wire form as it is (exact numbers, a dynamic value's type); see json.ts. */
export class RawJsonNumber {
  constructor(readonly text: string) {}
}

export class RawJson {
  constructor(readonly text: string) {}
}

/** Infers a type for a value placed in a `dynamic` slot without a {@link TypedValue} wrapper. */
function inferType(value: Value, path: AttributePath): CtyType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' || value instanceof PreciseNumber) return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof TypedValue) return value.type;
  if (Array.isArray(value)) return { tuple: value.map((v, i) => inferType(v, child(path, i))) };
  if (isObjectValue(value)) {
    return { object: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inferType(v, child(path, k))])) };
  }
  throw new CtyValueError(path, 'cannot infer the type of a null or unknown value in a dynamic attribute: wrap it in a TypedValue');
}

const UNKNOWN_EXT = new ExtData(0, new Uint8Array([0]));

// The codec's hot path (every attribute of every value Terraform sends) creates no closures: the
// bundle's keepNames wraps each one in a naming call (esbuild's `__name`), once per call.
function mismatch(path: AttributePath, type: CtyType, value: Value): CtyValueError {
  return new CtyValueError(path, `expected ${typeToString(type)}, got ${describe(value)}`);
}


export function toWire(value: Value | undefined, type: CtyType, path: AttributePath, flavour: Flavour): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Unknown) {
    if (flavour === 'json') throw new CtyValueError(path, 'unknown values cannot be encoded as JSON');
    return UNKNOWN_EXT;
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw mismatch(path, type, value);
    return value;
  }
  if (type === 'number') {
    if (typeof value === 'number') {
      if (Number.isNaN(value)) throw new CtyValueError(path, 'NaN is not a Terraform number');
      if (!Number.isFinite(value)) {
        if (flavour === 'json') throw new CtyValueError(path, 'infinity cannot be encoded as JSON');
        return value;
      }
      // Non-integers go as decimal text: Terraform parses text with 512-bit precision, exactly as it
      // parsed the configuration, whereas a float64 0.1 would differ from the configured 0.1.
      if (Number.isSafeInteger(value)) return flavour === 'json' ? new RawJsonNumber(String(value)) : value;
      return flavour === 'json' ? new RawJsonNumber(numberToDecimal(value)) : numberToDecimal(value);
    }
    if (value instanceof PreciseNumber) return flavour === 'json' ? new RawJsonNumber(value.text) : value.text;
    throw mismatch(path, type, value);
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw mismatch(path, type, value);
    return value;
  }
  if (type === 'dynamic') {
    const typed = value instanceof TypedValue ? value : new TypedValue(inferType(value, path), value);
    const inner = toWire(typed.value, typed.type, path, flavour);
    const typeJson = JSON.stringify(typeToJson(typed.type));
    return flavour === 'msgpack' ? [Buffer.from(typeJson, 'utf8'), inner] : { type: new RawJson(typeJson), value: inner };
  }
  if ('list' in type || 'set' in type) {
    if (!Array.isArray(value)) throw mismatch(path, type, value);
    const element = 'list' in type ? type.list : type.set;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toWire(value[i], element, child(path, i), flavour);
    return out;
  }
  if ('tuple' in type) {
    if (!Array.isArray(value) || value.length !== type.tuple.length) throw mismatch(path, type, value);
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toWire(value[i], type.tuple[i], child(path, i), flavour);
    return out;
  }
  if (!isObjectValue(value)) throw mismatch(path, type, value);
  const out: Record<string, unknown> = {};
  if ('map' in type) {
    for (const [key, item] of Object.entries(value)) setOwn(out, key, toWire(item, type.map, child(path, { key }), flavour));
    return out;
  }
  for (const name in value) {
    if (!Object.hasOwn(type.object, name)) {
      throw new CtyValueError(child(path, name), `attribute is not in the schema (allowed: ${Object.keys(type.object).join(', ') || 'none'})`);
    }
  }
  for (const name in type.object) out[name] = toWire(value[name], type.object[name], child(path, name), flavour);
  return out;
}

/** Encodes a value of the given type as Terraform's msgpack (every object attribute present). */
export function encodeMsgpack(value: Value, type: CtyType): Uint8Array {
  return msgpackEncode(toWire(value, type, [], 'msgpack'), { useBigInt64: true, maxDepth: 1000 });
}
