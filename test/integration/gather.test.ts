/**
 * A node's gathering (src/agent/gather.ts) against a real lab node: for every kind of damage the
 * single-resource reads see, the reads that use the gathering see word for word the same drift,
 * one gathering serves every concurrent read of the node, and a gathering made after a change
 * sees the change.
 */
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { Gatherings } from '../../src/agent/gather';
import type { NetworkSpec, PortSpec } from '../../src/agent/spec';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type LabNode } from '../../src/lab';
import { RecordingHost, inNetns, readPid } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'gatint';
const skip = labUnavailableReason();
const NET4 = 'a7000000-0000-4000-8000-000000000001';
const NET6 = 'a7000000-0000-4000-8000-000000000002';

let node: LabNode;
let pool: SshPool;
let host: SshHost;

describe('node gathering on a lab node', { skip }, () => {
  const net4 = (): NetworkSpec => networkSpec(node, { networkId: NET4, cidr: '172.16.7.0/24', options: { enableIsolatedMetadata: true, dnsDomain: 'example.org' } });
  const net6 = (): NetworkSpec => {
    const base = networkSpec(node, { networkId: NET6, cidr: '172.16.8.0/24' });
    return {
      ...base,
      network: {
        ...base.network,
        subnets: [
          ...base.network.subnets,
          { ...base.network.subnets[0], id: 'b7000000-0000-4000-8000-000000000006', cidr: '2001:db8:7::/64', ipVersion: 6, gatewayIp: '2001:db8:7::1', allocationPools: [], ipv6AddressMode: 'dhcpv6-stateful', ipv6RaMode: null },
        ],
      },
    };
  };
  const ports = (): PortSpec[] => [
    ...[1, 2, 3].map((i) => portSpec(net4(), { id: `c7000000-0000-4000-8000-00000000000${i}`, macAddress: `fa:16:3e:70:00:0${i}`, ip: `172.16.7.${10 + i}`, hostname: `vm${i}` })),
    portSpec(net6(), { id: 'c7000000-0000-4000-8000-000000000009', macAddress: 'fa:16:3e:70:00:09', ip: '172.16.8.19' }),
  ];
  const dir = (id: string) => `${node.statePath}/dhcp/${id}`;

  /** Every network and port read twice, alone and through one fresh gathering: the same state. */
  const sameBothWays = async () => {
    const gatherings = new Gatherings();
    const seen: string[] = [];
    for (const spec of [net4(), net6()]) {
      const alone = await agent.readNetwork(host, spec);
      assert.deepEqual(await agent.readNetwork(host, spec, { gatherings }), alone, `network ${spec.network.id}`);
      seen.push(...(alone?.drift ?? []));
    }
    for (const spec of ports()) {
      const alone = await agent.readPort(host, spec);
      assert.deepEqual(await agent.readPort(host, spec, { gatherings }), alone, `port ${spec.port.id}`);
      seen.push(...(alone?.drift ?? []));
    }
    return seen;
  };

  before(async () => {
    ({ node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    await agent.applyNetwork(host, net4());
    await agent.applyNetwork(host, net6());
    await Promise.all(ports().map((p) => agent.applyPort(host, p)));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('converged: no drift either way', async () => {
    assert.deepEqual(await sameBothWays(), []);
  });

  const damages: [string, () => void, RegExp][] = [
    ['a killed dnsmasq', () => process.kill(readPid(`${dir(NET4)}/pid`)!, 'SIGKILL'), /dnsmasq is not running/],
    ['an edited host file', () => writeFileSync(`${dir(NET4)}/host`, 'fa:16:3e:70:00:01,evil,172.16.7.99\n'), /file host differs from the 3 port\(s\)/],
    ['an edited port fragment', () => writeFileSync(`${dir(NET4)}/ports/c7000000-0000-4000-8000-000000000002.host`, 'tampered\n'), /host fragment on the node differs/],
    ['a removed port fragment', () => unlinkSync(`${dir(NET4)}/ports/c7000000-0000-4000-8000-000000000003.opts`), /opts fragment is missing/],
    ['an edited port spec', () => writeFileSync(`${dir(NET6)}/ports/c7000000-0000-4000-8000-000000000009.json`, '{"id":"c7000000-0000-4000-8000-000000000009","macAddress":"fa:16:3e:70:00:99","fixedIps":[],"deviceOwner":"","extraDhcpOpts":[]}\n'), /port kept on the node differs/],
    ['an edited setup.sh', () => writeFileSync(`${dir(NET6)}/setup.sh`, '#!/bin/sh\n'), /file setup.sh in .* differs/],
    ['removed CHECKSUM rules', () => inNetns(node.netns, `ip netns exec qdhcp-${NET6} sh -c 'iptables -t mangle -F ${agent.CHECKSUM_CHAIN}; ip6tables -t mangle -F ${agent.CHECKSUM_CHAIN}'`), /CHECKSUM rule for udp\/546 is missing/],
    ['accept_ra turned on', () => inNetns(node.netns, `ip netns exec qdhcp-${NET4} sh -c 'for f in /proc/sys/net/ipv6/conf/ns-*/accept_ra; do echo 1 > $f; done'`), /accept_ra on \S+ is 1, want 0/],
    ['a removed address and default route', () => inNetns(node.netns, `ip -n qdhcp-${NET4} addr flush dev $(ip -n qdhcp-${NET4} -o link show | sed -n 's/^[0-9]*: \\(ns-[^@:]*\\).*/\\1/p')`), /address 172\.16\.7\.\d+\/24 is missing/],
    ['a tap taken off the bridge', () => inNetns(node.netns, `for t in $(ip -o link show master ${node.bridge} | sed -n 's/^[0-9]*: \\(tap[^@:]*\\).*/\\1/p'); do ip link set $t nomaster; done`), /is attached to no bridge/],
    ['a deleted namespace', () => inNetns(node.netns, `ip netns del qdhcp-${NET6}`), /namespace qdhcp-\S+ is missing/],
  ];
  for (const [what, damage, expected] of damages) {
    it(`${what}: the same drift either way, and repaired`, async () => {
      damage();
      const drift = await sameBothWays();
      assert.ok(drift.some((d) => expected.test(d)), `drift ${JSON.stringify(drift)} should match ${expected}`);
      await agent.applyNetwork(host, net4());
      await agent.applyNetwork(host, net6());
      await Promise.all(ports().map((p) => agent.applyPort(host, p)));
      assert.deepEqual(await sameBothWays(), []);
    });
  }

  it('one gathering for every concurrent read of the node; a forgotten one is gathered again and sees the change', async (t) => {
    const rec = new RecordingHost(host);
    const gatherings = new Gatherings();
    const reads = [...[net4(), net6()].map((s) => agent.readNetwork(rec, s, { gatherings })), ...ports().map((p) => agent.readPort(rec, p, { gatherings }))];
    const start = process.hrtime.bigint();
    const states = await Promise.all(reads);
    t.diagnostic(`${reads.length} reads through one gathering: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms`);
    assert.equal(rec.scripts.length, 1, 'one script for all reads');
    assert.ok(states.every((s) => s && s.drift.length === 0));

    process.kill(readPid(`${dir(NET4)}/pid`)!, 'SIGKILL');
    assert.deepEqual((await agent.readNetwork(rec, net4(), { gatherings }))!.drift, [], 'the same operation keeps what it gathered');
    gatherings.forget(rec.label, node.statePath);
    assert.match((await agent.readNetwork(rec, net4(), { gatherings }))!.drift.join('\n'), /dnsmasq is not running/);
    assert.equal(rec.scripts.length, 2);
    assert.match((await agent.readNetwork(rec, net4(), { gatherings: new Gatherings() }))!.drift.join('\n'), /dnsmasq is not running/, 'a new operation gathers again');
    await agent.applyNetwork(host, net4());
  });
});
