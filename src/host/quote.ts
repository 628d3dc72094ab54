/**
 * The one place where values become shell text. Every user-derived value that reaches a
 * shell goes through `shq` (directly or through the `sh` template tag); review changes here
 * with care.
 */

/**
 * Quotes a value as one POSIX shell word: wrapped in single quotes, each `'` written as
 * `'\''`. Inside single quotes the shell interprets nothing, so the word is taken verbatim.
 * NUL cannot be represented in a shell word and is refused.
 */
export function shq(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new Error(`shell quoting: value contains a NUL byte: ${JSON.stringify(s)}`);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A piece of shell text that is already safe and must not be quoted again. */
export class RawShell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Marks trusted, constant shell text (never user input) for use inside the `sh` tag. */
export function raw(text: string): RawShell {
  return new RawShell(text);
}

type ShellArg = string | number | RawShell | readonly (string | number)[];

/**
 * Template tag: literal parts are shell text written by us, taken raw (no JavaScript escape
 * processing); every interpolated value is quoted with `shq` (arrays become several words).
 * `RawShell` values pass through as-is.
 *
 *     sh`ip netns add ${ns}`   // → ip netns add 'qdhcp-…'
 */
export function sh(strings: TemplateStringsArray, ...values: ShellArg[]): string {
  // Raw literal parts: shell text reaches the shell as written (`tr '\0' '\n'` stays
  // backslash-zero, not a NUL byte from JavaScript's escape processing).
  let out = strings.raw[0];
  values.forEach((v, i) => {
    out += render(v) + strings.raw[i + 1];
  });
  return out;
}

function render(v: ShellArg): string {
  if (v instanceof RawShell) return v.text;
  if (typeof v === 'string' || typeof v === 'number') return shq(v);
  return v.map((x) => shq(x)).join(' ');
}
