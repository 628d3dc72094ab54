/**
 * Diagnostics and attribute paths: how the provider tells Terraform what went wrong, and where.
 */
import { isError } from '../model/errors';

/**
 * One step into a value: an attribute name (string), a list/tuple index (number) or a map key
 * (`{ key }`).
 */
export type PathStep = string | number | { readonly key: string };

/** Where a value sits inside a resource, e.g. `['rules', 0, 'port']` for `rules[0].port`. */
export type AttributePath = readonly PathStep[];

/** Builds an attribute path: `path('rules', 0, 'port')`, `path('labels', { key: 'env' })`. */
export function path(...steps: PathStep[]): AttributePath {
  return steps;
}

/** Renders a path the way Terraform users write it: `rules[0].port`, `labels["env"]`. */
export function pathToString(attributePath: AttributePath): string {
  let out = '';
  for (const step of attributePath) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (typeof step === 'object') out += `[${JSON.stringify(step.key)}]`;
    else out += out ? `.${step}` : step;
  }
  return out;
}

export type Severity = 'error' | 'warning';

/** A message for the Terraform user. `attribute` makes Terraform point at the configuration line. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly summary: string;
  readonly detail?: string;
  readonly attribute?: AttributePath;
}

export function errorDiagnostic(summary: string, detail?: string, attribute?: AttributePath): Diagnostic {
  return { severity: 'error', summary, ...(detail !== undefined && { detail }), ...(attribute && { attribute }) };
}

export function warningDiagnostic(summary: string, detail?: string, attribute?: AttributePath): Diagnostic {
  return { severity: 'warning', summary, ...(detail !== undefined && { detail }), ...(attribute && { attribute }) };
}

export function hasErrors(diagnostics: readonly Diagnostic[] | undefined): boolean {
  return diagnostics?.some((d) => d.severity === 'error') ?? false;
}

/**
 * An error diagnostic for an exception thrown by provider code: `summary` says which step
 * failed, the detail carries the message. Programming errors (TypeError and the like) also carry
 * the stack, since the message alone rarely locates the bug.
 */
export function diagnosticFromError(summary: string, err: unknown, attribute?: AttributePath): Diagnostic {
  if (err instanceof Error) {
    const stack = isProgrammingError(err) && err.stack ? `\n\n${err.stack.split('\n').slice(1).join('\n')}` : '';
    return errorDiagnostic(summary, `${err.message}${stack}`, attribute);
  }
  return errorDiagnostic(summary, String(err), attribute);
}

function isProgrammingError(err: Error): boolean {
  return isError(err, TypeError) || isError(err, ReferenceError) || isError(err, RangeError) || isError(err, SyntaxError);
}

/**
 * Throw this from resource code to report an error with an exact summary, detail and attribute
 * (other exceptions become a diagnostic with the operation as summary).
 */
export class ProviderError extends Error {
  readonly diagnostic: Diagnostic;

  constructor(summary: string, detail?: string, attribute?: AttributePath) {
    super(detail ? `${summary}: ${detail}` : summary);
    this.name = 'ProviderError';
    this.diagnostic = errorDiagnostic(summary, detail, attribute);
  }
}
