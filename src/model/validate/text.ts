/** Text that may reach a dnsmasq file, a shell command or a log line. */
import type { ValidationIssue } from '../errors';
import { issue } from './issues';

/** What `checkSafeText` refuses, in the words used by every message below. */
export const SAFE_TEXT_RULE =
  'no control characters (U+0000–U+001F such as newline, tab and NUL; U+007F–U+009F), no line separators U+2028/U+2029 and no unpaired surrogates';

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The first character that must never reach a dnsmasq file, a shell or a log line, described
 * for a message; `null` when the text is clean.
 */
export function findUnsafeChar(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      return `${codePoint(c)} at index ${i}`;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `unpaired surrogate ${codePoint(c)} at index ${i}`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `unpaired surrogate ${codePoint(c)} at index ${i}`;
  }
  return null;
}

export interface SafeTextOptions {
  /** Refuse `,` as well (names and tags in dnsmasq's comma-separated lines). @default true */
  readonly allowComma?: boolean;
  /** @default true */
  readonly allowEmpty?: boolean;
}

/**
 * Text that may reach a dnsmasq file, a shell command or a log: no control characters
 * (incl. DEL, C1 controls such as U+0085) and no Unicode line separators; optionally no commas.
 */
export function checkSafeText(value: unknown, path: string, options: SafeTextOptions = {}): ValidationIssue | null {
  const allowComma = options.allowComma ?? true;
  const allowEmpty = options.allowEmpty ?? true;
  const rule = `${allowEmpty ? 'text' : 'non-empty text'} with ${SAFE_TEXT_RULE}${allowComma ? '' : ' and no commas'}`;
  if (typeof value !== 'string') return issue(path, value, `a string: ${rule}`);
  if (!allowEmpty && value === '') return issue(path, value, rule);
  const bad = findUnsafeChar(value);
  if (bad) return issue(path, value, `${rule}; found ${bad}`);
  if (!allowComma && value.includes(',')) return issue(path, value, `${rule}; found "," at index ${value.indexOf(',')}`);
  return null;
}
