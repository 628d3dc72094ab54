/**
 * How every check reports: a `ValidationIssue` per problem with a camelCase path relative to the
 * validated value, collected rather than thrown at the first one.
 */
import { ValidationError, type ValidationIssue } from '../errors';
import { isList } from '../types';

/** A reusable single-value check: an issue, or `null` when the value is fine. */
export type Check = (value: unknown, path: string) => ValidationIssue | null;

/** `base.key` (or `key` at the root). */
export function pathJoin(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** `base[index]`. */
export function pathIndex(base: string, index: number): string {
  return `${base}[${index}]`;
}

/**
 * `fixedIps[0].ipAddress` → `fixed_ips[0].ip_address`: the names users wrote in neutron JSON.
 * Bracketed parts (indices, quoted keys) are left alone.
 */
export function toSnakeCasePath(path: string): string {
  return path
    .split(/(\[[^\]]*\])/)
    .map((part) => (part.startsWith('[') ? part : part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)))
    .join('');
}

export function issue(path: string, value: unknown, allowed: string): ValidationIssue {
  return { path, value, allowed };
}

export function push(out: ValidationIssue[], found: ValidationIssue | null): void {
  if (found) out.push(found);
}

/** Throws a `ValidationError` with every issue, if there are any. */
export function assertNoIssues(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function eachOf<T>(
  out: ValidationIssue[],
  list: readonly T[] | undefined,
  path: string,
  what: string,
  visit: (item: T, path: string, index: number) => unknown,
): void {
  if (!isList(list)) {
    out.push(issue(path, list, what));
    return;
  }
  list.forEach((item, i) => visit(item, pathIndex(path, i), i));
}
