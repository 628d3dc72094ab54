/** Decoding from the wire (msgpack and parsed JSON) into values, directed by the type (go-cty's unmarshal.go). */
import { decode as msgpackDecode, ExtData } from '@msgpack/msgpack';
import type { AttributePath } from '../diagnostics';
import { CtyValueError } from './error';
import { PreciseNumber, numberFromText } from './numbers';
import { typeFromJson, typeToString, type CtyType } from './types';
import { UNKNOWN, Unknown, type Refinements } from './unknown';
import { TypedValue, type ObjectValue, type Value } from './values';
import { child, describe, setOwn, type DecodeOptions } from './wire';

function refinementsFrom(ext: ExtData, path: AttributePath): Unknown {
  if (ext.type !== 12 || !(ext.data instanceof Uint8Array) || ext.data.length === 0) return UNKNOWN;
  let raw: unknown;
  try {
    raw = msgpackDecode(ext.data, { useBigInt64: true });
  } catch {
    return UNKNOWN; // refinements are advisory; an unreadable payload is still an unknown
  }
  if (raw === null || typeof raw !== 'object') return UNKNOWN;
  const map = raw as Record<string, unknown>;
  const bound = (v: unknown) => {
    if (!Array.isArray(v) || v.length < 2) return undefined;
    try {
      const value = wireNumber(v[0], path);
      return { value, inclusive: v[1] === true };
    } catch {
      return undefined;
    }
  };
  const r: { -readonly [K in keyof Refinements]: Refinements[K] } = {};
  if (map[1] === false) r.notNull = true;
  if (map[1] === true) r.definitelyNull = true;
  if (typeof map[2] === 'string') r.stringPrefix = map[2];
  const lower = bound(map[3]);
  if (lower) r.numberLower = lower;
  const upper = bound(map[4]);
  if (upper) r.numberUpper = upper;
  if (typeof map[5] === 'number' || typeof map[5] === 'bigint') r.lengthLower = Number(map[5]);
  if (typeof map[6] === 'number' || typeof map[6] === 'bigint') r.lengthUpper = Number(map[6]);
  return Unknown.refined(r);
}

function wireNumber(raw: unknown, path: AttributePath): number | PreciseNumber {
  if (typeof raw === 'number') {
    if (Number.isNaN(raw)) throw new CtyValueError(path, 'NaN is not a Terraform number');
    return raw === 0 ? 0 : raw;
  }
  if (typeof raw === 'bigint') {
    return raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : new PreciseNumber(raw.toString());
  }
  if (raw instanceof PreciseNumber) return raw;
  if (typeof raw === 'string') {
    try {
      return numberFromText(raw);
    } catch {
      throw new CtyValueError(path, `expected number, got ${describe(raw)}`);
    }
  }
  throw new CtyValueError(path, `expected number, got ${describe(raw)}`);
}

// No closures on the hot path (see marshal.ts): the bundle's keepNames names each one per call.
function mismatch(path: AttributePath, type: CtyType, raw: unknown): CtyValueError {
  return new CtyValueError(path, `expected ${typeToString(type)}, got ${describe(raw)}`);
}

export function fromWire(raw: unknown, type: CtyType, path: AttributePath, opts: DecodeOptions): Value {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) return refinementsFrom(raw, path);
  if (type === 'string') {
    if (typeof raw === 'string') return raw;
    if (opts.flavour === 'json' && (typeof raw === 'boolean' || typeof raw === 'number')) return String(raw);
    if (opts.flavour === 'json' && raw instanceof PreciseNumber) return raw.text;
    throw mismatch(path, type, raw);
  }
  if (type === 'number') return wireNumber(raw, path);
  if (type === 'bool') {
    if (typeof raw === 'boolean') return raw;
    if (opts.flavour === 'json' && (raw === 'true' || raw === 'false')) return raw === 'true';
    throw mismatch(path, type, raw);
  }
  if (type === 'dynamic') return dynamicFromWire(raw, path, opts);
  if ('list' in type || 'set' in type) {
    if (!Array.isArray(raw)) throw mismatch(path, type, raw);
    const element = 'list' in type ? type.list : type.set;
    const out = new Array<Value>(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = fromWire(raw[i], element, child(path, i), opts);
    return out;
  }
  if ('tuple' in type) {
    if (!Array.isArray(raw) || raw.length !== type.tuple.length) throw mismatch(path, type, raw);
    const out = new Array<Value>(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = fromWire(raw[i], type.tuple[i], child(path, i), opts);
    return out;
  }
  if (typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array || raw instanceof PreciseNumber) throw mismatch(path, type, raw);
  const entries = raw as Record<string, unknown>;
  const out: ObjectValue = {};
  if ('map' in type) {
    for (const [key, item] of Object.entries(entries)) setOwn(out, key, fromWire(item, type.map, child(path, { key }), opts));
    return out;
  }
  for (const name in type.object) out[name] = fromWire(entries[name], type.object[name], child(path, name), opts);
  if (!opts.ignoreUnknownAttributes) {
    for (const name in entries) {
      if (!Object.hasOwn(type.object, name)) {
        throw new CtyValueError(child(path, name), `unsupported attribute (the type has ${Object.keys(type.object).join(', ') || 'no attributes'})`);
      }
    }
  }
  return out;
}

function dynamicFromWire(raw: unknown, path: AttributePath, opts: DecodeOptions): Value {
  let typeJson: unknown;
  let inner: unknown;
  if (opts.flavour === 'msgpack') {
    if (!Array.isArray(raw) || raw.length !== 2) throw new CtyValueError(path, `expected [type, value] for a dynamic value, got ${describe(raw)}`);
    const [first, second] = raw as unknown[];
    const rawType = first instanceof Uint8Array ? Buffer.from(first).toString('utf8') : first;
    if (typeof rawType !== 'string') throw new CtyValueError(path, `dynamic value: type must be JSON text, got ${describe(first)}`);
    typeJson = JSON.parse(rawType) as unknown;
    inner = second;
  } else {
    if (raw === null || typeof raw !== 'object' || !('type' in raw) || !('value' in raw)) {
      throw new CtyValueError(path, `expected {"type","value"} for a dynamic value, got ${describe(raw)}`);
    }
    typeJson = toPlainJson((raw as { type: unknown }).type);
    inner = (raw as { value: unknown }).value;
  }
  const type = typeFromJson(typeJson);
  return new TypedValue(type, fromWire(inner, type, path, opts));
}

/** Turns PreciseNumbers back into JS numbers inside a parsed type description. */
function toPlainJson(value: unknown): unknown {
  if (value instanceof PreciseNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlainJson(v)]));
  }
  return value;
}

/** Decodes Terraform's msgpack for the given type. Extension types 0 and 12 become unknowns. */
export function decodeMsgpack(bytes: Uint8Array, type: CtyType): Value {
  const raw = msgpackDecode(bytes, { useBigInt64: true, mapKeyConverter: mapKey });
  return fromWire(raw, type, [], { flavour: 'msgpack', ignoreUnknownAttributes: false });
}

function mapKey(key: unknown): string | number {
  if (typeof key === 'string' || typeof key === 'number') return key;
  if (typeof key === 'bigint') return key.toString();
  throw new CtyValueError([], `msgpack map key of type ${typeof key} is not supported`);
}
