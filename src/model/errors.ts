/** One problem with one input value. */
export interface ValidationIssue {
  /** Where the value sits, e.g. `subnets[0].cidr` or `ports[2].fixedIps[0].ipAddress`. */
  readonly path: string;
  /** The value received, as given. */
  readonly value: unknown;
  /** What is allowed instead, in plain words. */
  readonly allowed: string;
}

/** Thrown when input is refused; carries every issue found, not only the first. */
export class ValidationError extends Error {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(boundedLines(issues, formatIssue).join('\n'));
    this.name = 'ValidationError';
  }
}

/** How many issues a message or a diagnostic list shows; the rest are counted. */
export const MAX_REPORTED_ISSUES = 20;

/** One line per issue for the first MAX_REPORTED_ISSUES, then "… and N more issues". */
export function boundedLines(issues: readonly ValidationIssue[], line: (i: ValidationIssue) => string): string[] {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map(line);
  if (issues.length > MAX_REPORTED_ISSUES) shown.push(moreIssues(issues.length));
  return shown;
}

export function moreIssues(total: number): string {
  return `… and ${total - MAX_REPORTED_ISSUES} more issue(s) (${total} in all; the first ${MAX_REPORTED_ISSUES} are shown)`;
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: got ${showValue(issue.value)}; ${issue.allowed}`;
}

/** JSON-ish rendering that makes control characters visible in error messages. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    // JSON has no form for functions and symbols: their own toString names them.
    return JSON.stringify(value) ?? (typeof value === 'function' || typeof value === 'symbol' ? value.toString() : Object.prototype.toString.call(value));
  } catch {
    // BigInts, cycles, objects whose toString is not a function: name the kind of value.
    return Object.prototype.toString.call(value);
  }
}

/**
 * Whether `err` is a `type` error: the one way errors are classified in this project. True
 * for an instance of the class, and for an Error that carries the class's name (every error
 * class here sets `this.name` to it): an error made by another copy of the module — another
 * installed version of this package, or a bundle (dist/provider.cjs, dist/cli.cjs) beside the
 * library — is no `instanceof` this copy's class. Comparing with `type.name` is why the
 * esbuild bundles keep names (keepNames in scripts/bundle-provider.mjs).
 */
export function isError<T extends Error>(err: unknown, type: abstract new (...args: never[]) => T): err is T {
  return err instanceof type || (err instanceof Error && err.name === type.name);
}

/** The message of an Error, or the value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `err` itself when it is an Error, else an Error whose message is the value as text (promises here always reject with Errors). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
