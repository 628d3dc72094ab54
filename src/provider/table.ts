/**
 * Schemas written as tables, in the style of HashiCorp's terraform-provider-tls: each row is one
 * Terraform attribute with everything said about it in one place — type, required/optional/
 * computed, default, validator, replace rule, sensitivity, description — and the spec paths
 * (camelCase, as the model's validation names them) that land on it. The tfplugin6 schema
 * (`schemaOf`), the path renames of diagnostics (`renamesOf`), the provider-side defaults
 * (`withRowDefaults`), the plan-time checks of known values (`rowIssues`) and the Markdown docs
 * (scripts/gen-docs.ts) are derived from it.
 */
import type { ValidationIssue } from '../model/errors';
import { isUnknown, type CtyType, type JsonValue, type ObjectValue } from './cty';
import type { PathStep } from './diagnostics';
import type { Attribute, NestedAttributes, Schema } from './schema';

/**
 * `optional+computed`: the configuration may leave it unset and the provider then fills it in
 * (with `default`, or a value derived from other attributes).
 */
export type Presence = 'required' | 'optional' | 'computed' | 'optional+computed';

/** Checks one known value; `path` is the attribute path as users write it (`node.port`). */
export type RowCheck = (value: unknown, path: string) => ValidationIssue | null;

export interface Row {
  /** The Terraform attribute name (snake_case). */
  readonly name: string;
  /** A value of this cty type… */
  readonly type?: CtyType;
  /** …or an object (`single`) or list/set/map of objects with rows of their own. */
  readonly nested?: { readonly nesting: NestedAttributes['nesting']; readonly rows: readonly Row[] };
  readonly presence: Presence;
  /**
   * The value used when the attribute is unset. For `optional+computed` rows the provider puts it
   * into the plan (`withRowDefaults`); for `optional` rows the handler applies it and state keeps
   * null. The description says it too ("Default: `…`"; a unit test holds them together).
   */
  readonly default?: JsonValue;
  /** Refuses a bad known value at validate time (ValidateResourceConfig). */
  readonly validate?: RowCheck;
  /** A change replaces the resource (destroy + create). */
  readonly replace?: true;
  /** Hidden in plan output. */
  readonly sensitive?: true;
  /** Never stored in state (Terraform ≥ 1.11). */
  readonly writeOnly?: true;
  /**
   * Spec paths (camelCase, e.g. `options.dhcpLeaseDuration`) that validation reports and that
   * mean this attribute. Paths whose snake_case form is the attribute path need none.
   */
  readonly spec?: readonly string[];
  readonly description?: string;
}

/** A resource type's (or the provider's) schema as a table. */
export interface Table {
  readonly description: string;
  /** @default 0 */
  readonly version?: number;
  readonly rows: readonly Row[];
}

function presenceFlags(p: Presence): Pick<Attribute, 'required' | 'optional' | 'computed'> {
  switch (p) {
    case 'required':
      return { required: true };
    case 'optional':
      return { optional: true };
    case 'computed':
      return { computed: true };
    case 'optional+computed':
      return { optional: true, computed: true };
  }
}

/** The schema attribute of one row. */
export function attributeOf(row: Row): Attribute {
  const flags = {
    ...presenceFlags(row.presence),
    ...(row.replace ? { requiresReplace: true } : {}),
    ...(row.sensitive ? { sensitive: true } : {}),
    ...(row.writeOnly ? { writeOnly: true } : {}),
    ...(row.description !== undefined ? { description: row.description } : {}),
  };
  if (row.nested) return { ...flags, nested: { nesting: row.nested.nesting, attributes: attributesOf(row.nested.rows) } };
  if (row.type === undefined) throw new Error(`table row ${row.name}: give a type or nested rows`);
  return { ...flags, type: row.type };
}

function attributesOf(rows: readonly Row[]): Record<string, Attribute> {
  return Object.fromEntries(rows.map((r) => [r.name, attributeOf(r)]));
}

/** The schema a table describes (attributes in row order). */
export function schemaOf(table: Table): Schema {
  return { ...(table.version !== undefined ? { version: table.version } : {}), description: table.description, attributes: attributesOf(table.rows) };
}

/** Spec path prefix → attribute path, for `attributePathFor` (diagnostics.ts / resources/errors.ts). */
export type PathRenames = readonly (readonly [string, readonly PathStep[]])[];

/** Every row's spec paths, nested rows included, mapped to the row's attribute path. */
export function renamesOf(rows: readonly Row[], at: readonly PathStep[] = []): PathRenames {
  return rows.flatMap((r) => {
    const here = [...at, r.name];
    const own = (r.spec ?? []).map((p) => [p, here] as const);
    return [...own, ...(r.nested?.nesting === 'single' ? renamesOf(r.nested.rows, here) : [])];
  });
}

/** The row named `name`; throws for a name the table does not hold. */
export function rowNamed(rows: readonly Row[], name: string): Row {
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`no attribute ${name} in table (${rows.map((r) => r.name).join(', ')})`);
  return row;
}

/** `value` with every unset `optional+computed` row that has a default set to it. Unknown stays unknown. */
export function withRowDefaults(rows: readonly Row[], value: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...value };
  for (const r of rows) {
    if (r.presence === 'optional+computed' && r.default !== undefined && (out[r.name] === null || out[r.name] === undefined)) out[r.name] = r.default;
  }
  return out;
}

/**
 * The issues the rows' validators find in the known values of `value` (a null or unknown value
 * is left to later steps), in row order, with paths `<prefix><name>`.
 */
export function rowIssues(rows: readonly Row[], value: ObjectValue, prefix = ''): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const r of rows) {
    const x = value[r.name];
    if (!r.validate || x === null || x === undefined || isUnknown(x)) continue;
    const bad = r.validate(x, `${prefix}${r.name}`);
    if (bad) out.push(bad);
  }
  return out;
}
