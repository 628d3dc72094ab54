/**
 * Provider and resource schemas: how they are written in TypeScript, the value type they imply,
 * a consistency check, and their tfplugin6 `Schema` message form.
 */
import { typeToJson, type CtyType } from './cty';

export type StringKind = 'plain' | 'markdown';

interface Described {
  /** Shown in docs and by editors. */
  readonly description?: string;
  /** @default 'markdown' */
  readonly descriptionKind?: StringKind;
  readonly deprecated?: boolean;
}

interface AttributeOptions extends Described {
  /** Must be set in configuration. Exclusive with optional and computed. */
  readonly required?: boolean;
  /** May be set in configuration. */
  readonly optional?: boolean;
  /** Set by the provider (alone: read-only; with optional: provider default when unset). */
  readonly computed?: boolean;
  /** Terraform hides the value in plan output. */
  readonly sensitive?: boolean;
  /** Never stored in state (Terraform ≥ 1.11); must be optional or required, not computed. */
  readonly writeOnly?: boolean;
  /**
   * A change of this attribute replaces the resource (destroy + create). Provider-side only:
   * `planDefault`/`replacementPaths` (plan.ts) turn it into `requires_replace` paths.
   */
  readonly requiresReplace?: boolean;
}

/** An attribute of a plain cty type. */
export interface TypedAttribute extends AttributeOptions {
  readonly type: CtyType;
  readonly nested?: undefined;
}

/** An attribute whose value is one object, or a list/set/map of objects, with their own attribute flags. */
export interface NestedAttribute extends AttributeOptions {
  readonly nested: NestedAttributes;
  readonly type?: undefined;
}

export interface NestedAttributes {
  readonly nesting: 'single' | 'list' | 'set' | 'map';
  readonly attributes: { readonly [name: string]: Attribute };
}

export type Attribute = TypedAttribute | NestedAttribute;

/** A nested block type (`rule { … }` in HCL). Prefer nested attributes for new designs. */
export interface NestedBlock {
  readonly nesting: 'single' | 'list' | 'set' | 'map' | 'group';
  readonly block: Block;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface Block extends Described {
  readonly attributes: { readonly [name: string]: Attribute };
  readonly blocks?: { readonly [name: string]: NestedBlock };
}

/** A provider's, or a resource type's, schema. */
export interface Schema extends Block {
  /** Bump when the stored state shape changes; see `ResourceType.upgrade`. @default 0 */
  readonly version?: number;
}

/** The value type of one attribute. */
export function attributeType(attribute: Attribute): CtyType {
  if (attribute.nested === undefined) return attribute.type;
  const object: CtyType = { object: objectAttributesType(attribute.nested.attributes) };
  switch (attribute.nested.nesting) {
    case 'single':
      return object;
    case 'list':
      return { list: object };
    case 'set':
      return { set: object };
    case 'map':
      return { map: object };
  }
}

function objectAttributesType(attributes: { readonly [name: string]: Attribute }): Record<string, CtyType> {
  const out: Record<string, CtyType> = {};
  for (const [name, attribute] of Object.entries(attributes)) out[name] = attributeType(attribute);
  return out;
}

/** The object type of values of a block (a resource's whole state, config, plan). */
export function blockType(block: Block): CtyType {
  const attrs = objectAttributesType(block.attributes);
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    const object = blockType(nested.block);
    switch (nested.nesting) {
      case 'single':
      case 'group':
        attrs[name] = object;
        break;
      case 'list':
        attrs[name] = { list: object };
        break;
      case 'set':
        attrs[name] = { set: object };
        break;
      case 'map':
        attrs[name] = { map: object };
        break;
    }
  }
  return { object: attrs };
}

/** Names of attributes flagged `computed` (directly in the block, not nested). */
export function computedAttributes(block: Block): string[] {
  return Object.entries(block.attributes)
    .filter(([, a]) => a.computed)
    .map(([name]) => name);
}

/**
 * Checks a schema for mistakes Terraform would reject later with a less helpful message.
 * Throws one Error listing every problem; `where` names the schema (e.g. `resource dhcpagent_port`).
 */
export function validateSchema(schema: Schema, where: string): void {
  const problems: string[] = [];
  const name = /^[a-z_][a-z0-9_]*$/;
  const checkAttributes = (attributes: { readonly [n: string]: Attribute }, prefix: string) => {
    for (const [attrName, a] of Object.entries(attributes)) {
      const at = `${prefix}${attrName}`;
      if (!name.test(attrName)) problems.push(`${at}: attribute names must match ${name} (lower case, digits, underscores)`);
      if (attrName === 'count' || attrName === 'for_each' || attrName === 'depends_on' || attrName === 'lifecycle' || attrName === 'provider') {
        problems.push(`${at}: "${attrName}" is a reserved Terraform meta-argument name`);
      }
      if ((a.type === undefined) === (a.nested === undefined)) problems.push(`${at}: give exactly one of type or nested`);
      if (a.required && (a.optional || a.computed)) problems.push(`${at}: required excludes optional and computed`);
      if (!a.required && !a.optional && !a.computed) problems.push(`${at}: needs required, optional or computed`);
      if (a.writeOnly && a.computed) problems.push(`${at}: writeOnly attributes cannot be computed`);
      if (a.nested) checkAttributes(a.nested.attributes, `${at}.`);
    }
  };
  const checkBlock = (block: Block, prefix: string) => {
    checkAttributes(block.attributes, prefix);
    for (const [blockName, nested] of Object.entries(block.blocks ?? {})) {
      const at = `${prefix}${blockName}`;
      if (!name.test(blockName)) problems.push(`${at}: block names must match ${name}`);
      if (Object.hasOwn(block.attributes, blockName)) problems.push(`${at}: both an attribute and a block`);
      checkBlock(nested.block, `${at}.`);
    }
  };
  if (schema.version !== undefined && (!Number.isSafeInteger(schema.version) || schema.version < 0)) {
    problems.push(`version: ${schema.version} is not a non-negative integer`);
  }
  checkBlock(schema, '');
  if (problems.length) throw new Error(`invalid schema for ${where}:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------
// tfplugin6 message form (plain objects for protobufjs, field names as in the .proto)

const STRING_KIND = { plain: 0, markdown: 1 } as const;
const OBJECT_NESTING = { single: 1, list: 2, set: 3, map: 4 } as const;
const BLOCK_NESTING = { single: 1, list: 2, set: 3, map: 4, group: 5 } as const;

function attributeToProto(attrName: string, a: Attribute): Record<string, unknown> {
  return {
    name: attrName,
    ...(a.nested === undefined
      ? { type: Buffer.from(JSON.stringify(typeToJson(a.type)), 'utf8') }
      : {
          nested_type: {
            attributes: Object.entries(a.nested.attributes).map(([n, x]) => attributeToProto(n, x)),
            nesting: OBJECT_NESTING[a.nested.nesting],
          },
        }),
    description: a.description ?? '',
    description_kind: STRING_KIND[a.descriptionKind ?? 'markdown'],
    required: a.required ?? false,
    optional: a.optional ?? false,
    computed: a.computed ?? false,
    sensitive: a.sensitive ?? false,
    deprecated: a.deprecated ?? false,
    write_only: a.writeOnly ?? false,
  };
}

function blockToProto(block: Block, version: number): Record<string, unknown> {
  return {
    version,
    attributes: Object.entries(block.attributes).map(([n, a]) => attributeToProto(n, a)),
    block_types: Object.entries(block.blocks ?? {}).map(([n, nested]) => ({
      type_name: n,
      block: blockToProto(nested.block, 0),
      nesting: BLOCK_NESTING[nested.nesting],
      min_items: nested.minItems ?? 0,
      max_items: nested.maxItems ?? 0,
    })),
    description: block.description ?? '',
    description_kind: STRING_KIND[block.descriptionKind ?? 'markdown'],
    deprecated: block.deprecated ?? false,
  };
}

/** The tfplugin6 `Schema` message for a schema. */
export function schemaToProto(schema: Schema): Record<string, unknown> {
  const version = schema.version ?? 0;
  return { version, block: blockToProto(schema, version) };
}
