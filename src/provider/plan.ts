/**
 * Building blocks for PlanResourceChange: the rules Terraform enforces on a plan, as functions.
 *
 * Terraform accepts a planned state only if every attribute set in configuration keeps its
 * configured value, and computed attributes are either a concrete value or UNKNOWN. A typical
 * resource plans like this:
 *
 * ```ts
 * plan(req) {
 *   return planDefault(schema, req, { unknownOnUpdate: ['sha256'] });
 * }
 * ```
 */
import { UNKNOWN, isUnknown, valuesEqual, type ObjectValue, type Value } from './cty';
import type { AttributePath } from './diagnostics';
import type { PlanRequest, PlanResult } from './resource';
import { attributeType, blockType, type Schema } from './schema';

/** An object with every attribute of the schema, all null. */
export function nullObject(schema: Schema): ObjectValue {
  return withNulls(schema, {});
}

/** Copies `value` and adds every schema attribute (and block) it lacks, as null. */
export function withNulls(schema: Schema, value: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...value };
  const type = blockType(schema);
  if (typeof type === 'object' && 'object' in type) {
    for (const name of Object.keys(type.object)) if (!(name in out)) out[name] = null;
  }
  return out;
}

/** Copy of `value` with the named attributes set to UNKNOWN. */
export function markUnknown(value: ObjectValue, names: readonly string[]): ObjectValue {
  const out: ObjectValue = { ...value };
  for (const name of names) out[name] = UNKNOWN;
  return out;
}

/**
 * Copy of `value` where computed attributes that are null become UNKNOWN: what a create needs,
 * since the provider decides them during apply. `names` limits it to some attributes.
 */
export function unknownWhereNull(schema: Schema, value: ObjectValue, names?: readonly string[]): ObjectValue {
  const out: ObjectValue = { ...value };
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (!attribute.computed || (names && !names.includes(name))) continue;
    if (out[name] === null || out[name] === undefined) out[name] = UNKNOWN;
  }
  return out;
}

/**
 * Copy of `value` taking the named attributes from `prior` (e.g. a computed id that never
 * changes after create). Unset names: every computed attribute that is null or unknown in
 * `value`.
 */
export function copyFromPrior(schema: Schema, value: ObjectValue, prior: ObjectValue, names?: readonly string[]): ObjectValue {
  const out: ObjectValue = { ...value };
  const selected = names ?? Object.keys(schema.attributes).filter((n) => schema.attributes[n].computed);
  for (const name of selected) {
    if (names || out[name] === null || out[name] === undefined || isUnknown(out[name])) out[name] = prior[name] ?? null;
  }
  return out;
}

/** Names of the top-level attributes/blocks whose values differ (sets compare without order). */
export function changedAttributes(schema: Schema, before: ObjectValue | null, after: ObjectValue | null): string[] {
  const type = blockType(schema);
  if (typeof type !== 'object' || !('object' in type)) return [];
  const changed: string[] = [];
  for (const [name, attrType] of Object.entries(type.object)) {
    if (!valuesEqual(before?.[name] ?? null, after?.[name] ?? null, attrType)) changed.push(name);
  }
  return changed;
}

/**
 * Paths of `requiresReplace` attributes that differ between prior state and plan, including
 * those inside a nested single object (e.g. `node.host`).
 */
export function replacementPaths(schema: Schema, prior: ObjectValue | null, planned: ObjectValue | null): AttributePath[] {
  if (prior === null || planned === null) return [];
  return replacementPathsIn(schema.attributes, prior, planned, []);
}

function replacementPathsIn(attributes: Schema['attributes'], prior: ObjectValue, planned: ObjectValue, at: AttributePath): AttributePath[] {
  const out: AttributePath[] = [];
  for (const [name, attribute] of Object.entries(attributes)) {
    const before = prior[name] ?? null;
    const after = planned[name] ?? null;
    if (attribute.requiresReplace && !valuesEqual(before, after, attributeType(attribute))) {
      out.push([...at, name]);
    } else if (attribute.nested?.nesting === 'single' && isPlainObject(before) && isPlainObject(after)) {
      out.push(...replacementPathsIn(attribute.nested.attributes, before, after, [...at, name]));
    }
  }
  return out;
}

function isPlainObject(v: Value): v is ObjectValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && v.constructor === Object;
}

/** Every path at which `value` holds an unknown (for error messages). */
export function unknownPaths(value: Value | undefined, at: AttributePath = []): AttributePath[] {
  if (isUnknown(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((item, i) => unknownPaths(item, [...at, i]));
  if (value !== null && typeof value === 'object' && value.constructor === Object) {
    return Object.entries(value as ObjectValue).flatMap(([k, v]) => unknownPaths(v, [...at, k]));
  }
  return [];
}

export interface PlanDefaultOptions {
  /**
   * Computed attributes the provider recomputes whenever an update changes anything (e.g. a
   * checksum of the content). They are planned UNKNOWN on such updates; other computed
   * attributes keep their prior value.
   */
  readonly unknownOnUpdate?: readonly string[];
}

/**
 * The plan most resources need:
 * - delete: null;
 * - create: the proposal with computed attributes left null planned UNKNOWN;
 * - update: the proposal; when anything changed, `unknownOnUpdate` attributes not set in
 *   configuration become UNKNOWN;
 *   changes of `requiresReplace` attributes are reported so Terraform replaces the object.
 */
export function planDefault(schema: Schema, request: PlanRequest, options: PlanDefaultOptions = {}): PlanResult {
  const { prior, proposed } = request;
  if (proposed === null) return { planned: null };
  if (prior === null) return { planned: unknownWhereNull(schema, proposed) };
  const changed = changedAttributes(schema, prior, proposed);
  let planned = proposed;
  if (changed.length > 0 && options.unknownOnUpdate?.length) {
    // A value set in configuration must be planned as configured, so only unset ones are recomputed.
    const recompute = options.unknownOnUpdate.filter((name) => request.config?.[name] === null || request.config?.[name] === undefined);
    planned = markUnknown(proposed, recompute);
  }
  const requiresReplace = replacementPaths(schema, prior, planned);
  return requiresReplace.length ? { planned, requiresReplace } : { planned };
}
