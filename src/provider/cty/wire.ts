/** What the msgpack and JSON codecs share: the wire flavour, value descriptions for messages, paths. */
import { ExtData } from '@msgpack/msgpack';
import type { AttributePath, PathStep } from '../diagnostics';
import { PreciseNumber } from './numbers';

export type Flavour = 'msgpack' | 'json';

export interface DecodeOptions {
  readonly flavour: Flavour;
  /** JSON state from an older schema may carry attributes that no longer exist: drop them. */
  readonly ignoreUnknownAttributes: boolean;
}

export function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (raw instanceof ExtData) return `msgpack extension ${raw.type}`;
  if (raw instanceof Uint8Array) return 'binary data';
  if (Array.isArray(raw)) return 'an array';
  if (raw instanceof PreciseNumber) return `number ${raw.text}`;
  if (typeof raw === 'object') return 'an object';
  if (typeof raw === 'string') return `string ${JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw)}`;
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') return `${typeof raw} ${raw}`;
  return typeof raw;
}

export function child(path: AttributePath, step: PathStep): AttributePath {
  return [...path, step];
}

/** Sets an own property even for keys like `__proto__` (map keys come from user data). */
export function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
