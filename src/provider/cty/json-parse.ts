/** A JSON parser of its own: `JSON.parse` would round numbers that Terraform sends exactly. */
import { CtyValueError } from './error';
import { PreciseNumber, numberFromText } from './numbers';
import { setOwn } from './wire';

/** A parsed JSON document whose numbers keep their precision. */
export type JsonValue = null | boolean | string | number | PreciseNumber | JsonValue[] | { [key: string]: JsonValue };

/**
 * Parses JSON keeping every number exact (`number` when a JS number holds it exactly, else
 * {@link PreciseNumber}) — `JSON.parse` would round 12345678901234567890 silently.
 */
export function parseJson(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new CtyValueError([], `invalid JSON at offset ${pos}: ${what}`);
  };
  const ws = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const parseValue = (): JsonValue => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: { [key: string]: JsonValue } = {};
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a property name');
        const key = parseString();
        ws();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        const value = parseValue();
        setOwn(obj, key, value);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 1100));
    if (!m) return fail(`unexpected ${c === undefined ? 'end of input' : JSON.stringify(c)}`);
    pos += m[0].length;
    return numberFromText(m[0]);
  };
  const parseString = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const result = parseValue();
  ws();
  if (pos !== text.length) fail('trailing characters');
  return result;
}
