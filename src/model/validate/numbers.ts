/** Integer fields: MTU, lease time and the bounds the agent options share. */
import type { ValidationIssue } from '../errors';
import { issue } from './issues';

export function checkInteger(value: unknown, path: string, min: number, max: number, allowed: string): ValidationIssue | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return null;
  return issue(path, value, allowed);
}

/** Network MTU: unknown (0 or absent) or 68–65535. */
export function checkMtu(value: unknown, path: string): ValidationIssue | null {
  if (value === undefined || value === 0) return null;
  return checkInteger(value, path, 68, 65535, 'an MTU: 0 (unknown, not advertised) or an integer from 68 to 65535');
}

export const UINT32_MAX = 2 ** 32 - 1;
export const INT32_MAX = 2 ** 31 - 1;

/**
 * Lease duration in seconds. dnsmasq silently raises anything below 120 s to 120 s, and reads
 * 4294967295 s as "infinite" (as -1 here); larger values wrap around.
 */
export function checkLeaseDuration(value: unknown, path: string): ValidationIssue | null {
  if (value === -1) return null;
  return checkInteger(
    value,
    path,
    120,
    UINT32_MAX,
    'a lease time in seconds: -1 (infinite) or an integer from 120 (dnsmasq raises shorter leases to 120 s) to 4294967295 (2^32-1, which dnsmasq also treats as infinite)',
  );
}
