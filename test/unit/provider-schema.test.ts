import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { t, UNKNOWN, type ObjectValue } from '../../src/provider/cty';
import { changedAttributes, copyFromPrior, markUnknown, nullObject, planDefault, replacementPaths, unknownPaths, unknownWhereNull } from '../../src/provider/plan';
import type { PlanRequest } from '../../src/provider/resource';
import { blockType, schemaToProto, validateSchema, type Schema } from '../../src/provider/schema';
import type { SchemaAttribute, SchemaNestedBlock } from '../../src/provider/tfplugin6';

const schema: Schema = {
  version: 2,
  description: 'A thing.',
  attributes: {
    id: { type: t.string, computed: true },
    name: { type: t.string, required: true, requiresReplace: true, description: '**Name**' },
    mode: { type: t.string, optional: true, computed: true },
    digest: { type: t.string, computed: true },
    tags: { type: t.set(t.string), optional: true },
    token: { type: t.string, optional: true, sensitive: true, descriptionKind: 'plain' },
    ports: {
      optional: true,
      nested: { nesting: 'list', attributes: { number: { type: t.number, required: true }, proto: { type: t.string, optional: true, computed: true } } },
    },
  },
  blocks: {
    timeouts: { nesting: 'single', block: { attributes: { create: { type: t.string, optional: true } } } },
  },
};

describe('schema', () => {
  it('implies the object type of the resource values', () => {
    assert.deepEqual(blockType(schema), {
      object: {
        id: 'string',
        name: 'string',
        mode: 'string',
        digest: 'string',
        tags: { set: 'string' },
        token: 'string',
        ports: { list: { object: { number: 'number', proto: 'string' } } },
        timeouts: { object: { create: 'string' } },
      },
    });
  });

  it('encodes as the tfplugin6 Schema message (types as JSON bytes, markdown descriptions by default)', () => {
    const proto = schemaToProto(schema) as { version: number; block: { version: number; attributes: SchemaAttribute[]; block_types: SchemaNestedBlock[] } };
    assert.equal(proto.version, 2);
    assert.equal(proto.block.version, 2);
    const byName = Object.fromEntries(proto.block.attributes.map((a) => [a.name ?? '', a]));
    assert.equal(String(byName.tags.type), '["set","string"]');
    assert.equal(byName.name.required, true);
    assert.equal(byName.name.description_kind, 1);
    assert.equal(byName.token.description_kind, 0);
    assert.equal(byName.token.sensitive, true);
    assert.equal(byName.ports.type, undefined);
    assert.deepEqual(byName.ports.nested_type!.nesting, 2);
    assert.equal(proto.block.block_types[0].type_name, 'timeouts');
    assert.equal(proto.block.block_types[0].nesting, 1);
  });

  it('reports every mistake at once', () => {
    assert.throws(
      () =>
        validateSchema(
          {
            attributes: {
              Bad: { type: t.string, optional: true },
              both: { type: t.string, required: true, computed: true },
              none: { type: t.string },
              count: { type: t.number, optional: true },
            },
          },
          'resource x_y',
        ),
      (err: Error) =>
        err.message.startsWith('invalid schema for resource x_y:') &&
        /Bad: attribute names must match/.test(err.message) &&
        /both: required excludes optional and computed/.test(err.message) &&
        /none: needs required, optional or computed/.test(err.message) &&
        /count: "count" is a reserved/.test(err.message),
    );
    validateSchema(schema, 'resource ok');
  });
});

describe('plan helpers', () => {
  const prior: ObjectValue = { ...nullObject(schema), id: 'i-1', name: 'a', mode: '0644', digest: 'd1', tags: ['x', 'y'] };
  const request = (proposed: ObjectValue | null, before: ObjectValue | null = prior): PlanRequest => ({
    action: before === null ? 'create' : proposed === null ? 'delete' : 'update',
    prior: before,
    proposed,
    config: proposed && { ...proposed, id: null, digest: null },
    priorPrivate: Buffer.alloc(0),
  });

  it('plans computed attributes left null as unknown on create', () => {
    const proposed = { ...nullObject(schema), name: 'a' };
    const { planned } = planDefault(schema, request(proposed, null));
    assert.deepEqual(planned, { ...proposed, id: UNKNOWN, mode: UNKNOWN, digest: UNKNOWN });
  });

  it('keeps the prior state when nothing changed (sets compared without order)', () => {
    const result = planDefault(schema, request({ ...prior, tags: ['y', 'x'] }), { unknownOnUpdate: ['digest'] });
    assert.deepEqual(result, { planned: { ...prior, tags: ['y', 'x'] } });
  });

  it('recomputes unknownOnUpdate attributes on change and reports requiresReplace paths', () => {
    const result = planDefault(schema, request({ ...prior, name: 'b' }), { unknownOnUpdate: ['digest'] });
    assert.deepEqual(result.planned, { ...prior, name: 'b', digest: UNKNOWN });
    assert.deepEqual(result.requiresReplace, [['name']]);
  });

  it('plans null for delete', () => {
    assert.deepEqual(planDefault(schema, request(null)), { planned: null });
  });

  it('offers the pieces separately', () => {
    assert.deepEqual(changedAttributes(schema, prior, { ...prior, mode: '0600', tags: ['y', 'x'] }), ['mode']);
    assert.deepEqual(replacementPaths(schema, prior, { ...prior, name: UNKNOWN }), [['name']]);
    assert.deepEqual(markUnknown({ a: 1 }, ['b']), { a: 1, b: UNKNOWN });
    assert.deepEqual(unknownWhereNull(schema, { id: null, mode: 'x', digest: null }, ['id']), { id: UNKNOWN, mode: 'x', digest: null });
    assert.deepEqual(copyFromPrior(schema, { ...prior, id: UNKNOWN, digest: null }, prior), prior);
    assert.deepEqual(unknownPaths({ a: [1, { b: UNKNOWN }], c: UNKNOWN }), [['a', 1, 'b'], ['c']]);
  });
});
