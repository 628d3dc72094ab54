/**
 * Terraform's value system (go-cty) as seen through the plugin protocol: types, a JS value
 * representation with explicit unknowns, and the msgpack and JSON wire codecs.
 *
 * Decoding and encoding are directed by the type: the wire formats carry no type information
 * (Terraform encodes an object as a map, a set like a list, …), so both ends must agree on it.
 * Encoding therefore also checks the value against the type, which turns a resource that
 * returns a wrong shape into an error naming the attribute instead of a protocol failure.
 */
import { decode as msgpackDecode, encode as msgpackEncode, ExtData } from '@msgpack/msgpack';
import { pathToString, type AttributePath, type PathStep } from '../diagnostics';

// ---------------------------------------------------------------------------------------------
// Types

/**
 * A cty type. Primitives are strings; collection and structural types are one-key objects.
 * Build them with {@link t}.
 */
export type CtyType =
  | 'string'
  | 'number'
  | 'bool'
  | 'dynamic'
  | { readonly list: CtyType }
  | { readonly set: CtyType }
  | { readonly map: CtyType }
  | { readonly object: { readonly [name: string]: CtyType }; readonly optional?: readonly string[] }
  | { readonly tuple: readonly CtyType[] };

/** Type constructors: `t.list(t.string)`, `t.object({ name: t.string })`. */
export const t = {
  string: 'string',
  number: 'number',
  bool: 'bool',
  dynamic: 'dynamic',
  list: (element: CtyType): CtyType => ({ list: element }),
  set: (element: CtyType): CtyType => ({ set: element }),
  map: (element: CtyType): CtyType => ({ map: element }),
  object: (attributes: { readonly [name: string]: CtyType }): CtyType => ({ object: attributes }),
  tuple: (elements: readonly CtyType[]): CtyType => ({ tuple: elements }),
} as const;

/** The JSON form of a type used in schemas (`"string"`, `["list","string"]`, `["object",{…}]`). */
export function typeToJson(type: CtyType): unknown {
  if (typeof type === 'string') return type;
  if ('list' in type) return ['list', typeToJson(type.list)];
  if ('set' in type) return ['set', typeToJson(type.set)];
  if ('map' in type) return ['map', typeToJson(type.map)];
  if ('tuple' in type) return ['tuple', type.tuple.map(typeToJson)];
  const attrs: Record<string, unknown> = {};
  for (const [name, attrType] of Object.entries(type.object)) attrs[name] = typeToJson(attrType);
  return type.optional?.length ? ['object', attrs, [...type.optional]] : ['object', attrs];
}

/** Parses the JSON form of a type (the inverse of {@link typeToJson}). */
export function typeFromJson(json: unknown): CtyType {
  if (json === 'string' || json === 'number' || json === 'bool' || json === 'dynamic') return json;
  if (Array.isArray(json) && json.length >= 2 && typeof json[0] === 'string') {
    const [kind, arg] = json as [string, unknown];
    switch (kind) {
      case 'list':
        return { list: typeFromJson(arg) };
      case 'set':
        return { set: typeFromJson(arg) };
      case 'map':
        return { map: typeFromJson(arg) };
      case 'tuple':
        if (Array.isArray(arg)) return { tuple: arg.map(typeFromJson) };
        break;
      case 'object':
        if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
          const attrs: Record<string, CtyType> = {};
          for (const [name, attrType] of Object.entries(arg)) attrs[name] = typeFromJson(attrType);
          const optional = Array.isArray(json[2]) ? (json[2] as unknown[]).filter((n): n is string => typeof n === 'string') : undefined;
          return optional?.length ? { object: attrs, optional } : { object: attrs };
        }
        break;
    }
  }
  throw new CtyValueError([], `not a cty type in JSON form: ${JSON.stringify(json)}`);
}

/** Human-readable type, for messages: `list(string)`, `object({name: string})`. */
export function typeToString(type: CtyType): string {
  if (typeof type === 'string') return type;
  if ('list' in type) return `list(${typeToString(type.list)})`;
  if ('set' in type) return `set(${typeToString(type.set)})`;
  if ('map' in type) return `map(${typeToString(type.map)})`;
  if ('tuple' in type) return `tuple([${type.tuple.map(typeToString).join(', ')}])`;
  return `object({${Object.entries(type.object)
    .map(([n, a]) => `${n}: ${typeToString(a)}`)
    .join(', ')}})`;
}

// ---------------------------------------------------------------------------------------------
// Values

/** What Terraform knows about an unknown value (all optional; absent means "no information"). */
export interface Refinements {
  /** The final value is known not to be null. */
  readonly notNull?: boolean;
  /** The final value is known to be null (Terraform normally sends a known null instead). */
  readonly definitelyNull?: boolean;
  /** Strings: the final value starts with this. */
  readonly stringPrefix?: string;
  /** Numbers: bounds of the final value. */
  readonly numberLower?: { readonly value: number | PreciseNumber; readonly inclusive: boolean };
  readonly numberUpper?: { readonly value: number | PreciseNumber; readonly inclusive: boolean };
  /** Collections: inclusive bounds of the final length. */
  readonly lengthLower?: number;
  readonly lengthUpper?: number;
}

/**
 * A value that is known only after apply. Compare with {@link isUnknown}; use {@link UNKNOWN}
 * to produce one. Refinements received from Terraform are kept for inspection but not sent
 * back: an unknown is always encoded without refinements (msgpack extension 0).
 */
export class Unknown {
  private static readonly plainInstance = new Unknown(undefined);

  private constructor(readonly refinements: Refinements | undefined) {}

  /** The unrefined unknown value. */
  static get plain(): Unknown {
    return Unknown.plainInstance;
  }

  static refined(refinements: Refinements): Unknown {
    return Object.keys(refinements).length === 0 ? Unknown.plainInstance : new Unknown(refinements);
  }

  toString(): string {
    return '(known after apply)';
  }

  toJSON(): string {
    return '<unknown>';
  }
}

/** The unknown value ("known after apply"). */
export const UNKNOWN: Unknown = Unknown.plain;

/**
 * A number that a JS `number` cannot hold exactly (huge integers, long decimals). `text` is its
 * canonical decimal form (no exponent, no redundant zeros).
 */
export class PreciseNumber {
  readonly text: string;

  constructor(text: string) {
    const canonical = canonicalDecimal(text);
    if (canonical === undefined) throw new CtyValueError([], `not a decimal number: ${JSON.stringify(text)}`);
    this.text = canonical;
  }

  /** Nearest JS number (may lose precision). */
  toNumber(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

/** A value of an attribute whose schema type is `dynamic`: the concrete type travels with it. */
export class TypedValue {
  constructor(
    readonly type: CtyType,
    readonly value: Value,
  ) {}
}

/**
 * A Terraform value. Lists, sets and tuples are arrays; objects and maps are plain objects
 * (which one is decided by the type). Numbers are `number` when exact, else {@link PreciseNumber}.
 */
export type Value = null | Unknown | string | number | boolean | PreciseNumber | TypedValue | Value[] | ObjectValue;

/** An object (or map) value: attribute name → value. */
export interface ObjectValue {
  [name: string]: Value;
}

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

/** A plain object value (not an array, not one of the value classes). */
export function isObjectValue(value: unknown): value is ObjectValue {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Unknown) &&
    !(value instanceof PreciseNumber) &&
    !(value instanceof TypedValue) &&
    !(value instanceof Uint8Array)
  );
}

/** True when the value is unknown or contains an unknown anywhere inside. */
export function containsUnknown(value: Value | undefined): boolean {
  if (value instanceof Unknown) return true;
  if (value instanceof TypedValue) return containsUnknown(value.value);
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isObjectValue(value)) return Object.values(value).some(containsUnknown);
  return false;
}

/** Thrown for a value that does not fit its type; `path` leads to it (empty for the root). */
export class CtyValueError extends Error {
  constructor(
    readonly path: AttributePath,
    readonly problem: string,
  ) {
    super(path.length ? `${pathToString(path)}: ${problem}` : problem);
    this.name = 'CtyValueError';
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/**
 * Canonical decimal text: optional '-', integer digits without leading zeros, optional fraction
 * without trailing zeros, no exponent. Go's `big.Float.Text('f', -1)`, which Terraform uses for
 * numbers it sends as strings, already produces this form. Undefined when `text` is no number.
 */
export function canonicalDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, sign, intDigits = '', fracDigits = '', exponent] = m;
  if (intDigits === '' && fracDigits === '') return undefined;
  let digits = intDigits + fracDigits;
  let point = intDigits.length + (exponent ? Number(exponent) : 0);
  if (!Number.isSafeInteger(point)) return undefined;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length);
  }
  const integer = digits.slice(0, point).replace(/^0+/, '') || '0';
  const fraction = digits.slice(point).replace(/0+$/, '');
  const isZero = integer === '0' && fraction === '';
  return (sign === '-' && !isZero ? '-' : '') + integer + (fraction ? `.${fraction}` : '');
}

/** Decimal text of a finite JS number in the canonical form (no exponent). */
export function numberToDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new CtyValueError([], `not a finite number: ${n}`);
  return canonicalDecimal(String(n))!;
}

/** A JS number when `text` converts to one without losing anything, else a PreciseNumber. */
export function numberFromText(text: string): number | PreciseNumber {
  const canonical = canonicalDecimal(text);
  if (canonical === undefined) throw new CtyValueError([], `not a decimal number: ${JSON.stringify(text)}`);
  const n = Number(canonical);
  if (Number.isFinite(n) && numberToDecimal(n) === canonical) return n === 0 ? 0 : n;
  return new PreciseNumber(canonical);
}

function numberText(value: number | PreciseNumber): string {
  return typeof value === 'number' ? numberToDecimal(value) : value.text;
}

// ---------------------------------------------------------------------------------------------
// Decoding (shared by msgpack and JSON)

type Flavour = 'msgpack' | 'json';

interface DecodeOptions {
  readonly flavour: Flavour;
  /** JSON state from an older schema may carry attributes that no longer exist: drop them. */
  readonly ignoreUnknownAttributes: boolean;
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (raw instanceof ExtData) return `msgpack extension ${raw.type}`;
  if (raw instanceof Uint8Array) return 'binary data';
  if (Array.isArray(raw)) return 'an array';
  if (raw instanceof PreciseNumber) return `number ${raw.text}`;
  if (typeof raw === 'object') return 'an object';
  if (typeof raw === 'string') return `string ${JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw)}`;
  return `${typeof raw} ${String(raw)}`;
}

function child(path: AttributePath, step: PathStep): AttributePath {
  return [...path, step];
}

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

function fromWire(raw: unknown, type: CtyType, path: AttributePath, opts: DecodeOptions): Value {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) return refinementsFrom(raw, path);
  const mismatch = () => new CtyValueError(path, `expected ${typeToString(type)}, got ${describe(raw)}`);
  if (type === 'string') {
    if (typeof raw === 'string') return raw;
    if (opts.flavour === 'json' && (typeof raw === 'boolean' || typeof raw === 'number')) return String(raw);
    if (opts.flavour === 'json' && raw instanceof PreciseNumber) return raw.text;
    throw mismatch();
  }
  if (type === 'number') return wireNumber(raw, path);
  if (type === 'bool') {
    if (typeof raw === 'boolean') return raw;
    if (opts.flavour === 'json' && (raw === 'true' || raw === 'false')) return raw === 'true';
    throw mismatch();
  }
  if (type === 'dynamic') return dynamicFromWire(raw, path, opts);
  if ('list' in type || 'set' in type) {
    if (!Array.isArray(raw)) throw mismatch();
    const element = 'list' in type ? type.list : type.set;
    return raw.map((item, i) => fromWire(item, element, child(path, i), opts));
  }
  if ('tuple' in type) {
    if (!Array.isArray(raw) || raw.length !== type.tuple.length) throw mismatch();
    return raw.map((item, i) => fromWire(item, type.tuple[i]!, child(path, i), opts));
  }
  if (typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array || raw instanceof PreciseNumber) throw mismatch();
  const entries = raw as Record<string, unknown>;
  const out: ObjectValue = {};
  if ('map' in type) {
    for (const [key, item] of Object.entries(entries)) setOwn(out, key, fromWire(item, type.map, child(path, { key }), opts));
    return out;
  }
  for (const [name, attrType] of Object.entries(type.object)) {
    out[name] = fromWire(entries[name], attrType, child(path, name), opts);
  }
  if (!opts.ignoreUnknownAttributes) {
    for (const name of Object.keys(entries)) {
      if (!Object.hasOwn(type.object, name)) {
        throw new CtyValueError(child(path, name), `unsupported attribute (the type has ${Object.keys(type.object).join(', ') || 'no attributes'})`);
      }
    }
  }
  return out;
}

/** Sets an own property even for keys like `__proto__` (map keys come from user data). */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function dynamicFromWire(raw: unknown, path: AttributePath, opts: DecodeOptions): Value {
  let typeJson: unknown;
  let inner: unknown;
  if (opts.flavour === 'msgpack') {
    if (!Array.isArray(raw) || raw.length !== 2) throw new CtyValueError(path, `expected [type, value] for a dynamic value, got ${describe(raw)}`);
    const rawType = raw[0] instanceof Uint8Array ? Buffer.from(raw[0]).toString('utf8') : raw[0];
    if (typeof rawType !== 'string') throw new CtyValueError(path, `dynamic value: type must be JSON text, got ${describe(raw[0])}`);
    typeJson = JSON.parse(rawType);
    inner = raw[1];
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

// ---------------------------------------------------------------------------------------------
// Encoding

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

function toWire(value: Value | undefined, type: CtyType, path: AttributePath, flavour: Flavour): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Unknown) {
    if (flavour === 'json') throw new CtyValueError(path, 'unknown values cannot be encoded as JSON');
    return UNKNOWN_EXT;
  }
  const mismatch = () => new CtyValueError(path, `expected ${typeToString(type)}, got ${describe(value)}`);
  if (type === 'string') {
    if (typeof value !== 'string') throw mismatch();
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
    throw mismatch();
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw mismatch();
    return value;
  }
  if (type === 'dynamic') {
    const typed = value instanceof TypedValue ? value : new TypedValue(inferType(value, path), value);
    const inner = toWire(typed.value, typed.type, path, flavour);
    const typeJson = JSON.stringify(typeToJson(typed.type));
    return flavour === 'msgpack' ? [Buffer.from(typeJson, 'utf8'), inner] : { type: new RawJson(typeJson), value: inner };
  }
  if ('list' in type || 'set' in type) {
    if (!Array.isArray(value)) throw mismatch();
    const element = 'list' in type ? type.list : type.set;
    return value.map((item, i) => toWire(item, element, child(path, i), flavour));
  }
  if ('tuple' in type) {
    if (!Array.isArray(value) || value.length !== type.tuple.length) throw mismatch();
    return value.map((item, i) => toWire(item, type.tuple[i]!, child(path, i), flavour));
  }
  if (!isObjectValue(value)) throw mismatch();
  const out: Record<string, unknown> = {};
  if ('map' in type) {
    for (const [key, item] of Object.entries(value)) setOwn(out, key, toWire(item, type.map, child(path, { key }), flavour));
    return out;
  }
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(type.object, name)) {
      throw new CtyValueError(child(path, name), `attribute is not in the schema (allowed: ${Object.keys(type.object).join(', ') || 'none'})`);
    }
  }
  for (const [name, attrType] of Object.entries(type.object)) out[name] = toWire(value[name], attrType, child(path, name), flavour);
  return out;
}

/** Encodes a value of the given type as Terraform's msgpack (every object attribute present). */
export function encodeMsgpack(value: Value, type: CtyType): Uint8Array {
  return msgpackEncode(toWire(value, type, [], 'msgpack'), { useBigInt64: true, maxDepth: 1000 });
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

// ---------------------------------------------------------------------------------------------
// JSON

/** A parsed JSON document whose numbers keep their precision. */
export type JsonValue = null | boolean | string | number | PreciseNumber | JsonValue[] | { [key: string]: JsonValue };

class RawJsonNumber {
  constructor(readonly text: string) {}
}

class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Parses JSON keeping every number exact (`number` when a JS number holds it exactly, else
 * {@link PreciseNumber}) — `JSON.parse` would round 12345678901234567890 silently.
 */
export function parseJson(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new CtyValueError([], `invalid JSON at offset ${pos}: ${what}`);
  };
  const ws = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const parseValue = (): JsonValue => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: { [key: string]: JsonValue } = {};
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a property name');
        const key = parseString();
        ws();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        const value = parseValue();
        setOwn(obj, key, value);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 1100));
    if (!m) return fail(`unexpected ${c === undefined ? 'end of input' : JSON.stringify(c)}`);
    pos += m[0].length;
    return numberFromText(m[0]);
  };
  const parseString = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const result = parseValue();
  ws();
  if (pos !== text.length) fail('trailing characters');
  return result;
}

/**
 * Decodes Terraform's JSON value form (the `json` field of DynamicValue and of RawState).
 * With `ignoreUnknownAttributes`, object attributes the type lacks are dropped instead of refused.
 */
export function decodeJson(json: string | Uint8Array, type: CtyType, options: { ignoreUnknownAttributes?: boolean } = {}): Value {
  const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
  return fromWire(parseJson(text), type, [], { flavour: 'json', ignoreUnknownAttributes: options.ignoreUnknownAttributes ?? false });
}

/** Converts an already parsed JSON document (see {@link parseJson}) to a value of the type. */
export function valueFromJson(json: JsonValue, type: CtyType, options: { ignoreUnknownAttributes?: boolean } = {}): Value {
  return fromWire(json, type, [], { flavour: 'json', ignoreUnknownAttributes: options.ignoreUnknownAttributes ?? false });
}

/** Encodes a wholly known value in Terraform's JSON value form. */
export function encodeJson(value: Value, type: CtyType): string {
  return stringifyWire(toWire(value, type, [], 'json'));
}

function stringifyWire(wire: unknown): string {
  if (wire instanceof RawJsonNumber || wire instanceof RawJson) return wire.text;
  if (Array.isArray(wire)) return `[${wire.map(stringifyWire).join(',')}]`;
  if (wire !== null && typeof wire === 'object') {
    return `{${Object.entries(wire)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyWire(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(wire);
}

// ---------------------------------------------------------------------------------------------
// Equality

/**
 * Structural equality. Numbers compare by value (`1` equals `PreciseNumber('1.0')`), sets (when
 * the type says so) ignore order, a missing object attribute equals null, and two unknowns are
 * equal (neither tells anything new).
 */
export function valuesEqual(a: Value | undefined, b: Value | undefined, type?: CtyType): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return true;
  if (x === null || y === null) return false;
  if (x instanceof Unknown || y instanceof Unknown) return x instanceof Unknown && y instanceof Unknown;
  const xNum = typeof x === 'number' || x instanceof PreciseNumber;
  const yNum = typeof y === 'number' || y instanceof PreciseNumber;
  if (xNum || yNum) {
    if (!xNum || !yNum) return false;
    if (typeof x === 'number' && typeof y === 'number') return x === y;
    if ((typeof x === 'number' && !Number.isFinite(x)) || (typeof y === 'number' && !Number.isFinite(y))) return false;
    return numberText(x) === numberText(y);
  }
  if (x instanceof TypedValue || y instanceof TypedValue) {
    if (!(x instanceof TypedValue && y instanceof TypedValue)) return false;
    return JSON.stringify(typeToJson(x.type)) === JSON.stringify(typeToJson(y.type)) && valuesEqual(x.value, y.value, x.type);
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    if (type !== undefined && typeof type === 'object' && 'set' in type) {
      const unmatched = [...y];
      for (const item of x) {
        const i = unmatched.findIndex((other) => valuesEqual(item, other, type.set));
        if (i < 0) return false;
        unmatched.splice(i, 1);
      }
      return true;
    }
    return x.every((item, i) => valuesEqual(item, y[i], elementType(type, i)));
  }
  if (isObjectValue(x) && isObjectValue(y)) {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const key of keys) if (!valuesEqual(x[key], y[key], attributeType(type, key))) return false;
    return true;
  }
  return false;
}

function elementType(type: CtyType | undefined, index: number): CtyType | undefined {
  if (type === undefined || typeof type === 'string') return undefined;
  if ('list' in type) return type.list;
  if ('set' in type) return type.set;
  if ('tuple' in type) return type.tuple[index];
  return undefined;
}

function attributeType(type: CtyType | undefined, key: string): CtyType | undefined {
  if (type === undefined || typeof type === 'string') return undefined;
  if ('map' in type) return type.map;
  if ('object' in type) return type.object[key];
  return undefined;
}
