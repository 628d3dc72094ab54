import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostError, type Host } from '../../src/host/types';
import { leftovers } from '../../src/provider/resources/gone-node';
import {
  ReachabilityMemory,
  encodeContact,
  isGone,
  keepWhenUnreachable,
  nodeKey,
  parseContact,
  parseGoneNodes,
} from '../../src/provider/resources/reachability';
import { connectionFromValue } from '../../src/provider/resources/connection';

const node = connectionFromValue({ host: '198.18.0.6', port: 22, user: 'root', state_path: '/var/lib/dhcp-agent' });
const refused = new HostError('root@198.18.0.6:22', 'cannot connect: connect ECONNREFUSED 198.18.0.6:22 (after 3 attempts)', 'connect');
const fakeHost = { label: 'root@198.18.0.6:22' } as Host;

describe('reachability memory', () => {
  it('remembers "unreachable" per node: later calls fail at once with the same error, without connecting', async () => {
    const memory = new ReachabilityMemory();
    let connects = 0;
    const connect = (): Promise<Host> => {
      connects++;
      return Promise.reject(refused);
    };
    const at = new Date('2026-12-02T03:40:12Z');
    await assert.rejects(memory.on(node, connect, () => Promise.resolve('read'), () => at), (e) => e === refused);
    for (let i = 0; i < 5; i++) await assert.rejects(memory.on(node, connect, () => Promise.resolve('read')), (e) => e === refused);
    assert.equal(connects, 1, 'one connect for the node, whatever the number of resources');
    assert.deepEqual(memory.get(node)?.at, at);
    // Another node is not affected.
    const other = { ...node, host: '198.18.0.10' };
    assert.equal(await memory.on(other, () => Promise.resolve(fakeHost), () => Promise.resolve('read')), 'read');
  });

  it('does not remember failures that are not about reaching the node', async () => {
    const memory = new ReachabilityMemory();
    for (const kind of ['auth', 'host-key', 'timeout', 'channel', 'other'] as const) {
      await assert.rejects(memory.on(node, () => Promise.resolve(fakeHost), () => Promise.reject(new HostError('root@198.18.0.6:22', 'no', kind))));
    }
    await assert.rejects(memory.on(node, () => Promise.resolve(fakeHost), () => Promise.reject(new Error('step failed'))));
    assert.equal(memory.get(node), undefined);
    assert.equal(await memory.on(node, () => Promise.resolve(fakeHost), () => Promise.resolve(7)), 7);
  });
});

describe('a refresh of a resource on an unreachable node', () => {
  const current = { id: 'x', network_id: 'n1', drift: [] };

  it('keeps the last known state (never null, which would plan a create) and warns, naming node, time and error', () => {
    const now = new Date('2026-12-02T03:40:12.345Z');
    const r = keepWhenUnreachable(current, Buffer.alloc(0), node, 'dhcpagent_network n1 on root@198.18.0.6:22', refused, now)!;
    assert.equal(r.newState, current);
    assert.equal(r.diagnostics?.length, 1);
    const [d] = r.diagnostics;
    assert.equal(d.severity, 'warning');
    assert.equal(d.summary, 'Node root@198.18.0.6:22 is unreachable: its resources keep their last known state');
    assert.match(d.detail!, /dhcpagent_network n1 on root@198\.18\.0\.6:22 was not refreshed/);
    assert.match(d.detail!, /unreachable since 2026-12-02 03:40:12 UTC/);
    assert.match(d.detail!, /ECONNREFUSED/);
    assert.match(d.detail!, /goneForGood/);
    assert.deepEqual(parseContact(r.private), { unreachableSince: '2026-12-02T03:40:12.345Z' });
  });

  it('keeps the time the node was first found unreachable across refreshes', () => {
    const first = encodeContact({ unreachableSince: '2026-12-01T22:00:00.000Z' });
    const r = keepWhenUnreachable(current, first, node, 'x', refused, new Date('2026-12-02T03:40:12Z'))!;
    assert.deepEqual(parseContact(r.private), { unreachableSince: '2026-12-01T22:00:00.000Z' });
    assert.match(r.diagnostics![0].detail!, /unreachable since 2026-12-01 22:00:00 UTC/);
  });

  it('is not taken for other errors (they stay errors)', () => {
    assert.equal(keepWhenUnreachable(current, Buffer.alloc(0), node, 'x', new HostError('h', 'denied', 'auth')), undefined);
    assert.equal(keepWhenUnreachable(current, Buffer.alloc(0), node, 'x', new Error('boom')), undefined);
  });

  it('reads private data it did not write as "nothing known"', () => {
    for (const bad of ['', 'not json', '{"unreachableSince": 5}', '{"unreachableSince": "yesterday"}', 'null']) {
      assert.deepEqual(parseContact(Buffer.from(bad)), {});
    }
    assert.equal(encodeContact({}).length, 0);
  });
});

describe('gone_nodes', () => {
  it('takes host, host:port and [ipv6]:port; port 22 by default', () => {
    const { keys, problems } = parseGoneNodes(['198.18.0.6', 'node3.example.org:2222', '[fd00::5]:22', 'fd00::7']);
    assert.deepEqual(problems, []);
    assert.deepEqual([...keys], ['198.18.0.6:22', 'node3.example.org:2222', '[fd00::5]:22', '[fd00::7]:22']);
  });

  it('refuses anything else, naming the entry and what is allowed', () => {
    const { problems } = parseGoneNodes(['198.18.0.6:0', 'a b', 5, 'host:99999', 'fd00::7:22']);
    assert.deepEqual(problems.map((p) => p.index), [0, 1, 2, 3]);
    assert.match(problems[0].allowed, /"host:port"/);
  });

  it('matches a node by host and port', () => {
    const provider = { goneNodes: parseGoneNodes(['198.18.0.6']).keys };
    assert.equal(isGone(provider, node), true);
    assert.equal(isGone(provider, { ...node, port: 2222 }), false);
    assert.equal(isGone(undefined, node), false);
    assert.equal(nodeKey({ host: 'fd00::5', port: 22 }), '[fd00::5]:22');
  });
});

describe('a gone node that is back', () => {
  it('lists each network the agent left there and its process monitor', () => {
    assert.deepEqual(leftovers({ networks: [], monitorPid: null }), []);
    const out = leftovers({ networks: ['n1', 'n2'], monitorPid: 4242 });
    assert.equal(out.length, 3);
    assert.match(out[0], /still keeps network n1 .*apply removes it/);
    assert.match(out[2], /process monitor runs \(pid 4242\): apply stops it/);
  });
});
