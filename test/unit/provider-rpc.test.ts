import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMsgpack, encodeMsgpack, PreciseNumber, t, UNKNOWN, type ObjectValue } from '../../src/provider/cty';
import { ProviderError } from '../../src/provider/diagnostics';
import { createLogger } from '../../src/provider/log';
import { loadProtocol } from '../../src/provider/proto';
import type { ProviderDefinition, ResourceType } from '../../src/provider/resource';
import { ProviderRpc } from '../../src/provider/rpc';
import { blockType, type Schema } from '../../src/provider/schema';
import type { Decoded, DynamicValue, ProviderRpcName, RequestOf, ResponseOf } from '../../src/provider/tfplugin6';

const schema: Schema = {
  version: 1,
  attributes: {
    id: { type: t.string, computed: true },
    name: { type: t.string, required: true },
    size: { type: t.number, optional: true },
  },
};
const type = blockType(schema);
const protocol = loadProtocol();

/** Sends a message through the real protobuf encoding, as gRPC would. */
function wire<T extends object>(messageType: string, message: T): Decoded<T> {
  const codec = protocol.root.lookupType(`tfplugin6.${messageType}`);
  return codec.decode(codec.encode(message).finish()) as unknown as Decoded<T>;
}

function dyn(value: ObjectValue | null): DynamicValue {
  return { msgpack: Buffer.from(encodeMsgpack(value, type)) };
}

function state<R extends object>(response: R, field: keyof R): unknown {
  const dv = response[field] as DynamicValue | null | undefined;
  return dv?.msgpack?.length ? decodeMsgpack(dv.msgpack, type) : undefined;
}

interface Calls {
  provider?: unknown;
  signal?: AbortSignal;
}

function makeRpc(overrides: Partial<ResourceType<{ token: string }>> = {}, calls: Calls = {}) {
  const resource: ResourceType<{ token: string }> = {
    typeName: 'test_thing',
    schema,
    apply: ({ planned }, ctx) => {
      calls.provider = ctx.provider;
      calls.signal = ctx.signal;
      return { newState: planned && { ...planned, id: 'i-1' } };
    },
    read: ({ current }) => ({ newState: current }),
    ...overrides,
  };
  const definition: ProviderDefinition<{ token: string }> = {
    typeName: 'test',
    version: '1.0.0',
    providerSchema: { attributes: { token: { type: t.string, optional: true } } },
    configure: (config) => ({ data: { token: config.token as string } }),
    resources: [resource],
  };
  return new ProviderRpc(definition, createLogger({ level: 'off' }));
}

async function call<K extends ProviderRpcName>(
  rpc: ProviderRpc,
  method: Uncapitalize<K> & keyof ProviderRpc,
  requestType: K,
  request: RequestOf<K>,
): Promise<Decoded<ResponseOf<K>>> {
  const fn = rpc[method] as unknown as (this: ProviderRpc, r: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>;
  const response = await fn.call(rpc, wire(`${requestType}.Request`, request));
  return wire(`${requestType}.Response`, response);
}

describe('ProviderRpc', () => {
  it('describes its schemas and capabilities', async () => {
    const response = await call(makeRpc(), 'getProviderSchema', 'GetProviderSchema', {});
    assert.deepEqual(Object.keys(response.resource_schemas), ['test_thing']);
    assert.equal(Number(response.resource_schemas.test_thing.version), 1);
    assert.equal(response.provider!.block!.attributes[0].name, 'token');
    assert.equal(response.server_capabilities!.get_provider_schema_optional, true);
    assert.equal(response.server_capabilities!.plan_destroy, false);
    const metadata = await call(makeRpc(), 'getMetadata', 'GetMetadata', {});
    assert.deepEqual(metadata.resources.map((r) => r.type_name), ['test_thing']);
  });

  it('plans a create with computed attributes unknown, from a null prior state', async () => {
    const proposed = { id: null, name: 'n', size: null };
    const response = await call(makeRpc(), 'planResourceChange', 'PlanResourceChange', {
      type_name: 'test_thing',
      prior_state: dyn(null),
      proposed_new_state: dyn(proposed),
      config: dyn(proposed),
    });
    assert.deepEqual(state(response, 'planned_state'), { id: UNKNOWN, name: 'n', size: null });
    assert.deepEqual(response.diagnostics ?? [], []);
  });

  it('passes the configured provider data and the stop signal to resources', async () => {
    const calls: Calls = {};
    const rpc = makeRpc({}, calls);
    await call(rpc, 'configureProvider', 'ConfigureProvider', { terraform_version: '1.11.4', config: { msgpack: Buffer.from(encodeMsgpack({ token: 'tok' }, blockType({ attributes: { token: { type: t.string, optional: true } } }))) } });
    const planned = { id: UNKNOWN, name: 'n', size: 1.5 };
    const response = await call(rpc, 'applyResourceChange', 'ApplyResourceChange', {
      type_name: 'test_thing',
      prior_state: dyn(null),
      planned_state: dyn(planned),
      config: dyn({ ...planned, id: null }),
    });
    assert.deepEqual(state(response, 'new_state'), { id: 'i-1', name: 'n', size: 1.5 });
    assert.deepEqual(calls.provider, { token: 'tok' });
    assert.equal(calls.signal?.aborted, false);
    await call(rpc, 'stopProvider', 'StopProvider', {});
    assert.equal(calls.signal?.aborted, true);
  });

  it('turns an exception in apply into an error diagnostic and keeps the prior state', async () => {
    const rpc = makeRpc({
      apply: () => {
        throw new Error('host unreachable');
      },
    });
    const prior = { id: 'i-1', name: 'old', size: null };
    const response = await call(rpc, 'applyResourceChange', 'ApplyResourceChange', {
      type_name: 'test_thing',
      prior_state: dyn(prior),
      planned_state: dyn({ ...prior, name: 'new' }),
      config: dyn({ ...prior, id: null, name: 'new' }),
      planned_private: Buffer.from('p'),
    });
    assert.deepEqual(state(response, 'new_state'), prior);
    assert.equal(response.diagnostics.length, 1);
    assert.equal(response.diagnostics[0].severity, 1);
    assert.equal(response.diagnostics[0].summary, 'Update of test_thing failed');
    assert.match(response.diagnostics[0].detail, /^host unreachable/);
    assert.equal(Buffer.from(response.private).toString(), 'p');
  });

  it('returns no object after a failed create, and ProviderError keeps its summary and attribute', async () => {
    const rpc = makeRpc({
      apply: () => {
        throw new ProviderError('Invalid name', 'names must be short', ['name']);
      },
    });
    const planned = { id: UNKNOWN, name: 'n', size: null };
    const response = await call(rpc, 'applyResourceChange', 'ApplyResourceChange', {
      type_name: 'test_thing',
      prior_state: dyn(null),
      planned_state: dyn(planned),
      config: dyn({ ...planned, id: null }),
    });
    assert.equal(state(response, 'new_state'), null);
    assert.equal(response.diagnostics[0].summary, 'Invalid name');
    assert.equal(response.diagnostics[0].detail, 'names must be short');
    assert.deepEqual(response.diagnostics[0].attribute!.steps.map((step) => step.attribute_name), ['name']);
  });

  it('reports unknown values left after apply and values that do not fit the schema', async () => {
    const planned = { id: UNKNOWN, name: 'n', size: null };
    const request = { type_name: 'test_thing', prior_state: dyn(null), planned_state: dyn(planned), config: dyn({ ...planned, id: null }) };
    const unknownLeft = await call(makeRpc({ apply: ({ planned: p }) => ({ newState: p }) }), 'applyResourceChange', 'ApplyResourceChange', request);
    assert.match(unknownLeft.diagnostics[0].summary, /Provider returned unknown values after create/);
    assert.match(unknownLeft.diagnostics[0].detail, /still unknown: id/);
    assert.deepEqual(state(unknownLeft, 'new_state'), { id: null, name: 'n', size: null });

    const badShape = await call(makeRpc({ apply: () => ({ newState: { id: 'x', name: 'n', colour: 'red' } }) }), 'applyResourceChange', 'ApplyResourceChange', request);
    assert.equal(badShape.diagnostics[0].summary, 'Provider returned an invalid state after create');
    assert.match(badShape.diagnostics[0].detail, /colour: attribute is not in the schema/);
  });

  it('keeps the current state when read fails, and drops it when read finds nothing', async () => {
    const current = { id: 'i-1', name: 'n', size: 3 };
    const failing = makeRpc({
      read: () => {
        throw new Error('ssh: connection refused');
      },
    });
    const failed = await call(failing, 'readResource', 'ReadResource', { type_name: 'test_thing', current_state: dyn(current), private: Buffer.from('keep') });
    assert.deepEqual(state(failed, 'new_state'), current);
    assert.equal(failed.diagnostics[0].summary, 'Reading test_thing failed');
    assert.equal(Buffer.from(failed.private).toString(), 'keep');

    const gone = await call(makeRpc({ read: () => ({ newState: null }) }), 'readResource', 'ReadResource', { type_name: 'test_thing', current_state: dyn(current) });
    assert.equal(state(gone, 'new_state'), null);
  });

  it('reports unknown values returned by read', async () => {
    const rpc = makeRpc({ read: ({ current }) => ({ newState: { ...current, size: UNKNOWN } }) });
    const response = await call(rpc, 'readResource', 'ReadResource', { type_name: 'test_thing', current_state: dyn({ id: 'i', name: 'n', size: 1 }) });
    assert.equal(response.diagnostics[0].summary, 'Provider returned unknown values after read of test_thing');
    assert.deepEqual(state(response, 'new_state'), { id: 'i', name: 'n', size: null });
  });

  it('answers an unknown resource type with a diagnostic listing the known ones', async () => {
    const response = await call(makeRpc(), 'validateResourceConfig', 'ValidateResourceConfig', { type_name: 'test_other', config: dyn(null) });
    assert.equal(response.diagnostics[0].summary, 'Unknown resource type test_other');
    assert.match(response.diagnostics[0].detail, /test_thing/);
  });

  it('upgrades JSON state: same version read with the schema, older versions through upgrade()', async () => {
    const json = Buffer.from('{"id":"i-1","name":"n","size":12345678901234567890,"removed":1}');
    const same = await call(makeRpc(), 'upgradeResourceState', 'UpgradeResourceState', { type_name: 'test_thing', version: 1, raw_state: { json } });
    assert.deepEqual(state(same, 'upgraded_state'), { id: 'i-1', name: 'n', size: new PreciseNumber('12345678901234567890') });

    let seen: unknown;
    const rpc = makeRpc({
      upgrade: ({ version, rawState }) => {
        seen = version;
        const raw = rawState as { id: string; label: string };
        return { id: raw.id, name: raw.label, size: null };
      },
    });
    const older = await call(rpc, 'upgradeResourceState', 'UpgradeResourceState', { type_name: 'test_thing', version: 0, raw_state: { json: Buffer.from('{"id":"i-1","label":"L"}') } });
    assert.equal(seen, 0);
    assert.deepEqual(state(older, 'upgraded_state'), { id: 'i-1', name: 'L', size: null });

    const flat = await call(makeRpc(), 'upgradeResourceState', 'UpgradeResourceState', { type_name: 'test_thing', version: 0, raw_state: { flatmap: { id: 'x' } } });
    assert.match(flat.diagnostics[0].detail, /legacy flatmap/);
  });

  it('imports through importState, filling unset attributes with null', async () => {
    const unsupported = await call(makeRpc(), 'importResourceState', 'ImportResourceState', { type_name: 'test_thing', id: 'x' });
    assert.equal(unsupported.diagnostics[0].summary, 'Resource type test_thing does not support import');
    const rpc = makeRpc({ importState: ({ id }) => ({ imported: [{ state: { id, name: 'n' } }] }) });
    const response = await call(rpc, 'importResourceState', 'ImportResourceState', { type_name: 'test_thing', id: 'i-9' });
    assert.equal(response.imported_resources[0].type_name, 'test_thing');
    assert.deepEqual(state(response.imported_resources[0], 'state'), { id: 'i-9', name: 'n', size: null });
  });

  it('refuses resource types outside the provider prefix and invalid schemas at start', () => {
    const base = { typeName: 'test', version: '1', providerSchema: { attributes: {} } };
    const resource = { typeName: 'other_thing', schema, apply: () => ({ newState: null }), read: () => ({ newState: null }) };
    assert.throws(() => new ProviderRpc({ ...base, resources: [resource] }, createLogger({ level: 'off' })), /must start with "test_"/);
    const broken = { ...resource, typeName: 'test_x', schema: { attributes: { a: { type: t.string } } } };
    assert.throws(() => new ProviderRpc({ ...base, resources: [broken] }, createLogger({ level: 'off' })), /a: needs required, optional or computed/);
  });
});
