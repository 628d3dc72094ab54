/** Terraform's JSON value form (DynamicValue.json, RawState.json). */
import { parseJson, type JsonValue } from './json-parse';
import { RawJson, RawJsonNumber, toWire } from './marshal';
import type { CtyType } from './types';
import { fromWire } from './unmarshal';
import type { Value } from './values';

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
