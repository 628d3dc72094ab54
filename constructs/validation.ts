/**
 * Construct-time validation: the helpers the constructs use to check their props when they are
 * created, before synthesis, so a bad value fails `cdktf synth` with the construct's path, the
 * prop, the value received and what is allowed, every problem at once. Values that are tokens
 * are skipped here (they resolve later); the provider checks them at plan/apply.
 *
 * One of three layers that say "validate", each on its own input:
 * - src/model/validate: the rules themselves (neutron's API rules and what dnsmasq can read),
 *   on the model (`Network`, `Subnet`, `Port`, agent options); no construct, no node.
 * - this file: runs those rules on construct props (paths are prop names) and adds what only a
 *   construct knows (tokens, the construct path in the message).
 * - src/agent/validate-spec.ts: runs the same rules on the handler specs the provider and the
 *   CLI get (paths are the spec's), plus agent-only checks (DHCP port, attachment, node
 *   settings), before anything runs on a node.
 */
import { Token } from 'cdktf';
import type { IConstruct } from 'constructs';
import { boundedLines, formatIssue, ValidationError, type ValidationIssue } from '../src/model/errors';

/** True when `value` (or anything inside it) is a token that only resolves later. */
export function unresolved(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(unresolved);
  // Plain data only: constructs (agents, networks) are not values and hold cycles.
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).some(unresolved);
  return false;
}

/** Runs `check` unless the value is a token; collects the issue it returns. */
export function checkUnlessToken<T>(issues: ValidationIssue[], value: T, check: (v: T) => ValidationIssue | null | undefined): void {
  if (unresolved(value)) return;
  const i = check(value);
  if (i) issues.push(i);
}

/**
 * Throws when there are issues: `dhcp network 'tenant-a' (Stack/tenant-a): subnets[0].cidr: got
 * "10.0.0.0/33"; …`, one line per issue. The error is a ValidationError (issues kept for tools).
 */
export function throwIfInvalid(kind: string, scope: IConstruct, issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw invalidAt(kind, scope.node.id, scope.node.path, issues);
}

/** The error {@link throwIfInvalid} throws, also before the construct exists (`id` and `path` it would get). */
export function invalidAt(kind: string, id: string, path: string, issues: readonly ValidationIssue[]): ValidationError {
  const where = `${kind} '${id}' (${path})`;
  const error = new ValidationError(issues);
  error.message = boundedLines(issues, (i) => `${where}: ${formatIssue(i)}`).join('\n');
  return error;
}
