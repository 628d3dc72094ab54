/** cty types: primitives, collections and structural types, their JSON form and their names in messages. */
import { CtyValueError } from './error';

/**
 * A cty type. Primitives are strings; collection and structural types are one-key objects.
 * Build them with {@link t}.
 */
export type CtyType =
  | 'string'
  | 'number'
  | 'bool'
  | 'dynamic'
  | { readonly list: CtyType }
  | { readonly set: CtyType }
  | { readonly map: CtyType }
  | { readonly object: { readonly [name: string]: CtyType }; readonly optional?: readonly string[] }
  | { readonly tuple: readonly CtyType[] };

/** Type constructors: `t.list(t.string)`, `t.object({ name: t.string })`. */
export const t = {
  string: 'string',
  number: 'number',
  bool: 'bool',
  dynamic: 'dynamic',
  list: (element: CtyType): CtyType => ({ list: element }),
  set: (element: CtyType): CtyType => ({ set: element }),
  map: (element: CtyType): CtyType => ({ map: element }),
  object: (attributes: { readonly [name: string]: CtyType }): CtyType => ({ object: attributes }),
  tuple: (elements: readonly CtyType[]): CtyType => ({ tuple: elements }),
} as const;

/** The JSON form of a type used in schemas (`"string"`, `["list","string"]`, `["object",{…}]`). */
export function typeToJson(type: CtyType): unknown {
  if (typeof type === 'string') return type;
  if ('list' in type) return ['list', typeToJson(type.list)];
  if ('set' in type) return ['set', typeToJson(type.set)];
  if ('map' in type) return ['map', typeToJson(type.map)];
  if ('tuple' in type) return ['tuple', type.tuple.map(typeToJson)];
  const attrs: Record<string, unknown> = {};
  for (const [name, attrType] of Object.entries(type.object)) attrs[name] = typeToJson(attrType);
  return type.optional?.length ? ['object', attrs, [...type.optional]] : ['object', attrs];
}

/** Parses the JSON form of a type (the inverse of {@link typeToJson}). */
export function typeFromJson(json: unknown): CtyType {
  if (json === 'string' || json === 'number' || json === 'bool' || json === 'dynamic') return json;
  if (Array.isArray(json) && json.length >= 2 && typeof json[0] === 'string') {
    const [kind, arg] = json as [string, unknown];
    switch (kind) {
      case 'list':
        return { list: typeFromJson(arg) };
      case 'set':
        return { set: typeFromJson(arg) };
      case 'map':
        return { map: typeFromJson(arg) };
      case 'tuple':
        if (Array.isArray(arg)) return { tuple: arg.map(typeFromJson) };
        break;
      case 'object':
        if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
          const attrs: Record<string, CtyType> = {};
          for (const [name, attrType] of Object.entries(arg)) attrs[name] = typeFromJson(attrType);
          const optional = Array.isArray(json[2]) ? (json[2] as unknown[]).filter((n): n is string => typeof n === 'string') : undefined;
          return optional?.length ? { object: attrs, optional } : { object: attrs };
        }
        break;
    }
  }
  throw new CtyValueError([], `not a cty type in JSON form: ${JSON.stringify(json)}`);
}

/** Human-readable type, for messages: `list(string)`, `object({name: string})`. */
export function typeToString(type: CtyType): string {
  if (typeof type === 'string') return type;
  if ('list' in type) return `list(${typeToString(type.list)})`;
  if ('set' in type) return `set(${typeToString(type.set)})`;
  if ('map' in type) return `map(${typeToString(type.map)})`;
  if ('tuple' in type) return `tuple([${type.tuple.map(typeToString).join(', ')}])`;
  return `object({${Object.entries(type.object)
    .map(([n, a]) => `${n}: ${typeToString(a)}`)
    .join(', ')}})`;
}
