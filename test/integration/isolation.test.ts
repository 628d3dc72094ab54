/**
 * Issue 10, isolation and ownership on a lab node, each shown failing before its fix:
 * device names shared by two networks, a create that finds another object of its id, a stale
 * pid file naming an unrelated process, a physical interface that carries addresses.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { ExistsError } from '../../src/agent/errors';
import type { NetworkSpec } from '../../src/agent';
import { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type LabNode } from '../../src/lab';
import { ValidationError } from '../../src/model/errors';
import { bridgeName, tapDeviceName } from '../../src/model/naming';
import { inNetns, netnsExists, pidAlive, readPid } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'hdiso';
const skip = labUnavailableReason();

let node: LabNode;
let pool: SshPool;
let host: SshHost;
const made: NetworkSpec[] = [];

/** A network whose DHCP port has the given id (device names come from it). */
function withDhcpPort(spec: NetworkSpec, dhcpPortId: string): NetworkSpec {
  const [self, ...rest] = spec.network.ports;
  return { ...spec, dhcpPortId, network: { ...spec.network, ports: [{ ...self, id: dhcpPortId }, ...rest] } };
}

async function apply(spec: NetworkSpec, opts: agent.HandlerOptions = {}) {
  made.push(spec);
  return agent.applyNetwork(host, spec, opts);
}

async function refused(p: Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  const err = await p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e as Error,
  );
  for (const re of patterns) assert.match(err.message, re);
  return err.message;
}

const links = () => inNetns(node.netns, "ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort");

describe('isolation and ownership on a lab node (issue 10)', { skip }, () => {
  before(async () => {
    ({ node, pool, host } = await openLabSession({ name: LAB }));
  });
  after(async () => {
    for (const spec of made.reverse()) await agent.deleteNetwork(host, spec).catch(() => undefined);
    await closeLabSession(LAB, pool);
  });

  it("refuses a network whose tap name is another network's, and its teardown leaves the other's device", async () => {
    // DHCP port ids that share their first 11 characters: neutron's cut gives both one tap name.
    const a = withDhcpPort(networkSpec(node, { networkId: 'a2000000-0000-4000-8000-000000000001', cidr: '172.20.1.0/24' }), 'd2000000-0000-4000-8000-00000000000a');
    const b = withDhcpPort(networkSpec(node, { networkId: 'a2000000-0000-4000-8000-000000000002', cidr: '172.20.2.0/24' }), 'd2000000-0000-4000-8000-00000000000b');
    const tap = tapDeviceName(a.dhcpPortId);
    assert.equal(tapDeviceName(b.dhcpPortId), tap);
    await apply(a);
    const before = links();
    const msg = await refused(apply(b), new RegExp(`device ${tap} on this node belongs to network ${a.network.id}`), new RegExp(`network ${b.network.id} derives the same name`));
    assert.match(msg, /nothing was changed/);
    assert.equal(links(), before, 'no device added or removed');
    assert.ok(!netnsExists(`qdhcp-${b.network.id}`), 'no namespace for the refused network');
    await agent.deleteNetwork(host, b);
    assert.match(links(), new RegExp(`^${tap}$`, 'm'), "the refused network's teardown left the other network's tap");
    assert.deepEqual((await agent.readNetwork(host, a))?.drift, [], 'the first network still converged');
  });

  it("refuses a bridge the agent made for another network (ids sharing 11 characters), and takes distinct bridges for long ids", async () => {
    inNetns(node.netns, 'for i in 0 1 2 3; do ip link add hdup$i type veth peer name hdup${i}p; done');
    const c = networkSpec(node, { networkId: 'c3000000-0000-4000-8000-000000000001', cidr: '172.20.3.0/24' });
    const d = networkSpec(node, { networkId: 'c3000000-0000-4000-8000-000000000002', cidr: '172.20.4.0/24' });
    await apply({ ...c, attachment: { physicalInterface: 'hdup0' } });
    const br = bridgeName(c.network.id);
    const before = links();
    await refused(apply({ ...d, attachment: { physicalInterface: 'hdup1' } }), new RegExp(`device ${br} on this node belongs to network ${c.network.id}`));
    assert.equal(links(), before);
    // The ids of the issue: one bridge each now.
    const e = networkSpec(node, { networkId: 'tenant-a-net1', cidr: '172.20.5.0/24' });
    const f = networkSpec(node, { networkId: 'tenant-a-net2', cidr: '172.20.6.0/24' });
    await apply({ ...e, attachment: { physicalInterface: 'hdup2' } });
    await apply({ ...f, attachment: { physicalInterface: 'hdup3' } });
    const master = (dev: string) => inNetns(node.netns, `ip -o link show dev ${dev}`).match(/ master (\S+) /)?.[1];
    assert.equal(master('hdup2'), bridgeName('tenant-a-net1'));
    assert.equal(master('hdup3'), bridgeName('tenant-a-net2'));
    assert.notEqual(master('hdup2'), master('hdup3'), 'two VLANs are not bridged together');
  });

  it('refuses a physical interface with addresses or another master, saying what was found; takes it over only when told', async () => {
    inNetns(node.netns, 'ip link add hdip0 type veth peer name hdip0p && ip addr add 192.0.2.7/24 dev hdip0 && ip link add hdip1 type veth peer name hdip1p && ip link add hdbrx type bridge && ip link set hdip1 master hdbrx');
    const g = networkSpec(node, { networkId: 'c4000000-0000-4000-8000-000000000001', cidr: '172.20.7.0/24' });
    const before = links();
    await refused(apply({ ...g, attachment: { physicalInterface: 'hdip0' } }), /physical interface hdip0 has addresses 192\.0\.2\.7\/24: enslaving it/, /take_over_physical_interface/);
    await refused(apply({ ...g, attachment: { physicalInterface: 'hdip1' } }), /physical interface hdip1 has master hdbrx/);
    assert.equal(links(), before, 'no bridge, no veth');
    assert.ok(!netnsExists(`qdhcp-${g.network.id}`));
    assert.ok(!existsSync(`${node.statePath}/dhcp/${g.network.id}`), 'no files');
    const st = await apply({ ...g, attachment: { physicalInterface: 'hdip0', takeOver: true } });
    assert.deepEqual(st.drift, []);
    assert.match(inNetns(node.netns, 'ip -o link show dev hdip0'), new RegExp(` master ${bridgeName(g.network.id)} `));
  });

  it('a stale pid file naming an unrelated process whose command line holds the (short) network id: the process lives', async () => {
    const h = networkSpec(node, { networkId: 'e1', cidr: '172.20.8.0/24' });
    await apply(h);
    const dir = `${node.statePath}/dhcp/e1`;
    process.kill(readPid(`${dir}/pid`)!, 'SIGKILL');
    const bystander: ChildProcess = spawn('sh', ['-c', 'sleep 120', 'e1'], { stdio: 'ignore' });
    try {
      writeFileSync(`${dir}/pid`, `${bystander.pid}\n`);
      const st = await agent.applyNetwork(host, h);
      assert.deepEqual(st.drift, []);
      assert.ok(pidAlive(bystander.pid), 'the unrelated process was not killed');
      assert.notEqual(readPid(`${dir}/pid`), bystander.pid, 'a dnsmasq of its own was started');
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('a create that finds another port or network of its id is refused; one that finds exactly its own object adopts it', async () => {
    const n = networkSpec(node, { networkId: 'a5000000-0000-4000-8000-000000000001', cidr: '172.20.9.0/24' });
    await apply(n, { create: true });
    const first = portSpec(n, { id: 'c5000000-0000-4000-8000-000000000001', macAddress: 'fa:16:3e:50:00:01', ip: '172.20.9.10' });
    await agent.applyPort(host, first, { create: true });
    const hostFile = () => readFileSync(`${node.statePath}/dhcp/${n.network.id}/host`, 'utf8');
    const kept = hostFile();
    // Another stack's port of the same id, other MAC and IP.
    const other = portSpec(n, { id: first.port.id, macAddress: 'fa:16:3e:50:00:02', ip: '172.20.9.11' });
    const err = await agent.applyPort(host, other, { create: true }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ExistsError, String(err));
    assert.match(err.message, /port c5000000-0000-4000-8000-000000000001 of network a5000000-0000-4000-8000-000000000001 already exists on .* with another spec .*nothing was changed/);
    assert.equal(hostFile(), kept, "the first client's reservation is untouched");
    // An interrupted apply re-creating what it already made: converges.
    await agent.applyPort(host, first, { create: true });
    assert.equal(hostFile(), kept);
    // A client port with the DHCP port's id.
    const err2 = await agent.applyPort(host, portSpec(n, { id: n.dhcpPortId, macAddress: 'fa:16:3e:50:00:03', ip: '172.20.9.12' })).then(() => null, (e: unknown) => e);
    assert.ok(err2 instanceof ValidationError, String(err2));
    assert.match(err2.message, /port\.id: got ".*"; an id not used by the network's own ports \(.* is a DHCP port\)/);
    // The network: another owner's spec refused, its own adopted.
    const netErr = await agent.applyNetwork(host, { ...n, network: { ...n.network, mtu: 1400 } }, { create: true }).then(() => null, (e: unknown) => e);
    assert.ok(netErr instanceof ExistsError, String(netErr));
    assert.match(netErr.message, /network a5000000-0000-4000-8000-000000000001 already exists on/);
    assert.match(inNetns(node.netns, `ip -n qdhcp-${n.network.id} -o link show`), /mtu 1500/, 'the network kept its MTU');
    assert.deepEqual((await agent.applyNetwork(host, n, { create: true })).drift, []);
  });
});
