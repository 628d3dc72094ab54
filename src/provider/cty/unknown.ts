/**
 * Unknown values ("known after apply") and the refinements Terraform may send with them
 * (go-cty's `cty/msgpack/unknown.go` decodes those; see unmarshal.ts).
 */
import type { PreciseNumber } from './numbers';

/** What Terraform knows about an unknown value (all optional; absent means "no information"). */
export interface Refinements {
  /** The final value is known not to be null. */
  readonly notNull?: boolean;
  /** The final value is known to be null (Terraform normally sends a known null instead). */
  readonly definitelyNull?: boolean;
  /** Strings: the final value starts with this. */
  readonly stringPrefix?: string;
  /** Numbers: bounds of the final value. */
  readonly numberLower?: { readonly value: number | PreciseNumber; readonly inclusive: boolean };
  readonly numberUpper?: { readonly value: number | PreciseNumber; readonly inclusive: boolean };
  /** Collections: inclusive bounds of the final length. */
  readonly lengthLower?: number;
  readonly lengthUpper?: number;
}

/**
 * A value that is known only after apply. Compare with {@link isUnknown}; use {@link UNKNOWN}
 * to produce one. Refinements received from Terraform are kept for inspection but not sent
 * back: an unknown is always encoded without refinements (msgpack extension 0).
 */
export class Unknown {
  private static readonly plainInstance = new Unknown(undefined);

  private constructor(readonly refinements: Refinements | undefined) {}

  /** The unrefined unknown value. */
  static get plain(): Unknown {
    return Unknown.plainInstance;
  }

  static refined(refinements: Refinements): Unknown {
    return Object.keys(refinements).length === 0 ? Unknown.plainInstance : new Unknown(refinements);
  }

  toString(): string {
    return '(known after apply)';
  }

  toJSON(): string {
    return '<unknown>';
  }
}

/** The unknown value ("known after apply"). */
export const UNKNOWN: Unknown = Unknown.plain;

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}
