/**
 * Terraform's value system (go-cty) as seen through the plugin protocol: types, a JS value
 * representation with explicit unknowns, and the msgpack and JSON wire codecs.
 *
 * Decoding and encoding are directed by the type: the wire formats carry no type information
 * (Terraform encodes an object as a map, a set like a list, …), so both ends must agree on it.
 * Encoding therefore also checks the value against the type, which turns a resource that
 * returns a wrong shape into an error naming the attribute instead of a protocol failure.
 */
export { type CtyType, t, typeToJson, typeFromJson, typeToString } from './types';
export { type Refinements, Unknown, UNKNOWN, isUnknown } from './unknown';
export { PreciseNumber, canonicalDecimal, numberToDecimal, numberFromText } from './numbers';
export { TypedValue, type Value, type ObjectValue, isObjectValue, containsUnknown } from './values';
export { CtyValueError } from './error';
export { encodeMsgpack } from './marshal';
export { decodeMsgpack } from './unmarshal';
export { type JsonValue, parseJson } from './json-parse';
export { decodeJson, valueFromJson, encodeJson } from './json';
export { valuesEqual } from './equality';
