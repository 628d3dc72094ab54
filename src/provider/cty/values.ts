/** The JS representation of cty values: which JS value stands for which cty value. */
import { PreciseNumber } from './numbers';
import type { CtyType } from './types';
import { Unknown } from './unknown';

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
