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
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ValidationError';
  }
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: got ${showValue(issue.value)}; ${issue.allowed}`;
}

/** JSON-ish rendering that makes control characters visible in error messages. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // BigInts, cycles, objects whose toString is not a function: name the kind of value.
    return Object.prototype.toString.call(value);
  }
}
