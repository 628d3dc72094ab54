/** Reading plain values out of cty ObjectValues (config, plan, state). */
import { containsUnknown, isUnknown, PreciseNumber, type ObjectValue, type Value } from '../cty';

export function str(v: Value | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: Value | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PreciseNumber) return Number(v.toString());
  return undefined;
}

export function bool(v: Value | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function list(v: Value | undefined): Value[] {
  return Array.isArray(v) ? v : [];
}

export function strings(v: Value | undefined): string[] {
  return list(v).filter((x): x is string => typeof x === 'string');
}

export function obj(v: Value | undefined): ObjectValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isUnknown(v) && v.constructor === Object ? (v as ObjectValue) : {};
}

/** True when the value holds no unknown anywhere (plan can derive from it). */
export function known(v: Value | undefined): boolean {
  return !containsUnknown(v);
}
