/** Config objects (camelCase, as TypeScript users write them) to Terraform attributes (snake_case). */
import { Token } from 'cdktf';

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Converts keys of plain objects, recursively, from camelCase to snake_case. Tokens (strings,
 * numbers, lists that stand for values known only at apply) and primitives pass through;
 * undefined properties are dropped so Terraform sees them as unset.
 */
export function toTerraformAttributes(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Token.isUnresolved(value)) return value;
  if (Array.isArray(value)) return value.map(toTerraformAttributes);
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[snake(k)] = toTerraformAttributes(v);
  }
  return out;
}
