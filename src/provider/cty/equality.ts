/** Structural equality of values, as Terraform compares planned and applied values. */
import { numberText, PreciseNumber } from './numbers';
import { typeToJson, type CtyType } from './types';
import { Unknown } from './unknown';
import { TypedValue, isObjectValue, type Value } from './values';

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
