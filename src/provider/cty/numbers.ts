/** cty numbers: JS numbers when exact, else {@link PreciseNumber} with canonical decimal text. */
import { CtyValueError } from './error';

/**
 * A number that a JS `number` cannot hold exactly (huge integers, long decimals). `text` is its
 * canonical decimal form (no exponent, no redundant zeros).
 */
export class PreciseNumber {
  readonly text: string;

  constructor(text: string) {
    const canonical = canonicalDecimal(text);
    if (canonical === undefined) throw new CtyValueError([], `not a decimal number: ${JSON.stringify(text)}`);
    this.text = canonical;
  }

  /** Nearest JS number (may lose precision). */
  toNumber(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}


/**
 * Canonical decimal text: optional '-', integer digits without leading zeros, optional fraction
 * without trailing zeros, no exponent. Go's `big.Float.Text('f', -1)`, which Terraform uses for
 * numbers it sends as strings, already produces this form. Undefined when `text` is no number.
 */
export function canonicalDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, sign, intDigits = '', fracDigits = '', exponent] = m;
  if (intDigits === '' && fracDigits === '') return undefined;
  let digits = intDigits + fracDigits;
  let point = intDigits.length + (exponent ? Number(exponent) : 0);
  if (!Number.isSafeInteger(point)) return undefined;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length);
  }
  const integer = digits.slice(0, point).replace(/^0+/, '') || '0';
  const fraction = digits.slice(point).replace(/0+$/, '');
  const isZero = integer === '0' && fraction === '';
  return (sign === '-' && !isZero ? '-' : '') + integer + (fraction ? `.${fraction}` : '');
}

/** Decimal text of a finite JS number in the canonical form (no exponent). */
export function numberToDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new CtyValueError([], `not a finite number: ${n}`);
  return canonicalDecimal(String(n))!;
}

/** A JS number when `text` converts to one without losing anything, else a PreciseNumber. */
export function numberFromText(text: string): number | PreciseNumber {
  const canonical = canonicalDecimal(text);
  if (canonical === undefined) throw new CtyValueError([], `not a decimal number: ${JSON.stringify(text)}`);
  const n = Number(canonical);
  if (Number.isFinite(n) && numberToDecimal(n) === canonical) return n === 0 ? 0 : n;
  return new PreciseNumber(canonical);
}

export function numberText(value: number | PreciseNumber): string {
  return typeof value === 'number' ? numberToDecimal(value) : value.text;
}
