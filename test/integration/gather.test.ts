/**
 * A node's gathering (src/agent/gather.ts) against a real lab node: for every kind of damage the
 * single-resource reads see, the reads that use the gathering see word for word the same drift,
 * one gathering serves every concurrent read of the node, and a gathering made after a change
 * sees the change. Among the networks, one with the metadata proxy (a real haproxy) and one
 * with built-in metadata (a real nginx) whose ports have metadata trees: their sidecars and
 * trees are gathered too.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { Gatherings, gatherNode, gatherScript } from '../../src/agent/gather';
import { metadataByIpDir } from '../../src/agent/port-metadata';
import { sidecarPaths } from '../../src/agent/sidecar';
import type { NetworkSpec, PortSpec } from '../../src/agent/spec';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type LabNode } from '../../src/lab';
import { RecordingHost, inNetns, pidAlive, readPid, waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { dualStackSpec, networkSpec, portSpec } from '../support/specs';

const LAB = 'fggather';
const missing = ['/usr/sbin/haproxy', '/usr/sbin/nginx'].filter((f) => !existsSync(f));
const skip = labUnavailableReason() || (missing.length ? `needs ${missing.join(' and ')} (Debian packages haproxy, nginx-light; scripts/install-system-deps.sh)` : false);
const NET4 = 'a7000000-0000-4000-8000-000000000001';
const NET6 = 'a7000000-0000-4000-8000-000000000002';
/** With the metadata proxy (haproxy). */
const NETP = 'a7000000-0000-4000-8000-000000000003';
/** With built-in metadata (nginx); its ports have metadata trees. */
const NETB = 'a7000000-0000-4000-8000-000000000004';
const MDPORT = (i: number) => `c7000000-0000-4000-8000-0000000000b${i}`;

let node: LabNode;
let pool: SshPool;
let host: SshHost;

describe('node gathering on a lab node', { skip }, () => {
  const net4 = (): NetworkSpec => networkSpec(node, { networkId: NET4, cidr: '172.16.7.0/24', options: { enableIsolatedMetadata: true, dnsDomain: 'example.org' } });
  const net6 = (): NetworkSpec => dualStackSpec(node, { networkId: NET6, mode: 'dhcpv6-stateful', v4: '172.16.0.2', v6: '2001:db8:7::2' });
  const netP = (): NetworkSpec => ({ ...networkSpec(node, { networkId: NETP, cidr: '172.16.9.0/24', options: { enableIsolatedMetadata: true } }), metadata: { backendSocket: `${node.statePath}/metadata.sock` } });
  const netB = (): NetworkSpec => ({ ...networkSpec(node, { networkId: NETB, cidr: '172.16.10.0/24', options: { enableIsolatedMetadata: true } }), metadata: { builtin: true } });
  const networks = () => [net4(), net6(), netP(), netB()];
  const ports = (): PortSpec[] => [
    ...[1, 2, 3].map((i) => portSpec(net4(), { id: `c7000000-0000-4000-8000-00000000000${i}`, macAddress: `fa:16:3e:70:00:0${i}`, ip: `172.16.7.${10 + i}`, hostname: `vm${i}` })),
    portSpec(net6(), { id: 'c7000000-0000-4000-8000-000000000009', macAddress: 'fa:16:3e:70:00:09', ip: '172.16.0.19' }),
    portSpec(netP(), { id: 'c7000000-0000-4000-8000-0000000000a1', macAddress: 'fa:16:3e:70:00:a1', ip: '172.16.9.11' }),
    // Two with metadata (one of them user-data that must stay on the node), one without.
    { ...portSpec(netB(), { id: MDPORT(1), macAddress: 'fa:16:3e:70:00:b1', ip: '172.16.10.11', hostname: 'md1' }), metadata: { instanceId: 'i-md1', userData: '#cloud-config\n# secret: fg-token-4711\n', publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqZ1pXlY0m7oGz9mYQ3sVq2b5r8m9cFhWZ3v2Rk0x1A md1@lab'] } },
    { ...portSpec(netB(), { id: MDPORT(2), macAddress: 'fa:16:3e:70:00:b2', ip: '172.16.10.12', hostname: 'md2' }), metadata: { instanceId: 'i-md2' } },
    portSpec(netB(), { id: MDPORT(3), macAddress: 'fa:16:3e:70:00:b3', ip: '172.16.10.13' }),
  ];
  const dir = (id: string) => `${node.statePath}/dhcp/${id}`;
  /** The metadata tree the node serves to `ip` (built-in metadata network). */
  const treeOf = (ip: string) => `${metadataByIpDir(node.statePath, NETB)}/${readlinkSync(`${metadataByIpDir(node.statePath, NETB)}/${ip}`)}`;
  const sidecarPid = (id: string, name: string) => readPid(sidecarPaths(dir(id), name).pid)!;
  /** SIGKILL, then waits until the process is gone. */
  const kill = async (pid: number) => {
    process.kill(pid, 'SIGKILL');
    await waitFor(`pid ${pid} gone`, () => !pidAlive(pid));
  };
  const applyAll = async () => {
    await Promise.all(networks().map((spec) => agent.applyNetwork(host, spec)));
    await Promise.all(ports().map((p) => agent.applyPort(host, p)));
  };

  /** Every network and port read twice, alone and through one fresh gathering (concurrently, as Terraform reads): the same state. */
  const sameBothWays = async () => {
    const gatherings = new Gatherings();
    const [nets, netsGathered, prts, prtsGathered] = await Promise.all([
      Promise.all(networks().map((spec) => agent.readNetwork(host, spec))),
      Promise.all(networks().map((spec) => agent.readNetwork(host, spec, { gatherings }))),
      Promise.all(ports().map((spec) => agent.readPort(host, spec))),
      Promise.all(ports().map((spec) => agent.readPort(host, spec, { gatherings }))),
    ]);
    networks().forEach((spec, i) => assert.deepEqual(netsGathered[i], nets[i], `network ${spec.network.id}`));
    ports().forEach((spec, i) => assert.deepEqual(prtsGathered[i], prts[i], `port ${spec.port.id}`));
    drifted = { networks: networks().filter((_, i) => nets[i]?.drift.length), ports: ports().filter((_, i) => prts[i]?.drift.length) };
    return [...nets, ...prts].flatMap((st) => st?.drift ?? []);
  };
  /** The resources the last {@link sameBothWays} found drifted. */
  let drifted: { networks: NetworkSpec[]; ports: PortSpec[] } = { networks: [], ports: [] };
  /** Applies what drifted (the networks first: their apply renders their ports' fragments again). */
  const repair = async () => {
    const { networks: nets, ports: prts } = drifted;
    await Promise.all(nets.map((spec) => agent.applyNetwork(host, spec)));
    await Promise.all(prts.map((p) => agent.applyPort(host, p)));
  };

  before(async () => {
    ({ node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    await applyAll();
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('converged: no drift either way', async () => {
    assert.deepEqual(await sameBothWays(), []);
  });

  const damages: [string, () => unknown, RegExp][] = [
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
    ['a killed metadata proxy', () => kill(sidecarPid(NETP, 'metadata-proxy')), /^metadata proxy \(haproxy\) is not running/],
    ['an edited metadata proxy config', () => writeFileSync(sidecarPaths(dir(NETP), 'metadata-proxy').conf, '# edited\n', { flag: 'a' }), /^metadata proxy \(haproxy\): config file \S+ differs from what the agent wrote/],
    ['a killed metadata server', () => kill(sidecarPid(NETB, 'metadata-server')), /^metadata server \(nginx\) is not running/],
    ['an edited metadata file', () => writeFileSync(`${treeOf('172.16.10.11')}/latest/meta-data/instance-id`, 'i-forged'), /^metadata file latest\/meta-data\/instance-id differs from the spec$/],
    ['a deleted metadata file and an opened one', () => (unlinkSync(`${treeOf('172.16.10.12')}/latest/meta-data/hostname`), chmodSync(`${treeOf('172.16.10.11')}/latest/user-data`, 0o644)), /^metadata file latest\/meta-data\/hostname is missing$/],
    ['a removed metadata link', () => unlinkSync(`${metadataByIpDir(node.statePath, NETB)}/172.16.10.12`), /^no metadata is published for 172\.16\.10\.12$/],
  ];
  for (const [what, damage, expected] of damages) {
    it(`${what}: the same drift either way, and repaired`, async () => {
      await damage();
      const drift = await sameBothWays();
      assert.ok(drift.some((d) => expected.test(d)), `drift ${JSON.stringify(drift)} should match ${expected}`);
      assert.ok(!drift.join('\n').includes('fg-token'), 'no user-data in drift');
      await repair();
      assert.deepEqual(await sameBothWays(), []);
    });
  }

  it('one gathering for every concurrent read of the node; a forgotten one is gathered again and sees the change', async (t) => {
    const rec = new RecordingHost(host);
    const gatherings = new Gatherings();
    const gathered = () => [...networks().map((s) => agent.readNetwork(rec, s, { gatherings })), ...ports().map((p) => agent.readPort(rec, p, { gatherings }))];
    const alone = () => [...networks().map((s) => agent.readNetwork(rec, s)), ...ports().map((p) => agent.readPort(rec, p))];
    let start = process.hrtime.bigint();
    const states = await Promise.all(gathered());
    const gatheredMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal(rec.scripts.length, 1, 'one script for all reads, sidecars and metadata trees included');
    assert.ok(states.every((s) => s && s.drift.length === 0));
    start = process.hrtime.bigint();
    const single = await Promise.all(alone());
    const aloneMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal(rec.scripts.length, 1 + single.length);
    assert.deepEqual(single, states);
    t.diagnostic(
      `${states.length} reads (${networks().length} networks, 2 with sidecars; ${ports().length} ports, 2 with metadata trees), concurrent, over one SSH connection: ` +
        `1 round trip ${gatheredMs.toFixed(0)} ms through one gathering vs ${single.length} round trips ${aloneMs.toFixed(0)} ms alone`,
    );
    rec.scripts.length = 1;

    process.kill(readPid(`${dir(NET4)}/pid`)!, 'SIGKILL');
    assert.deepEqual((await agent.readNetwork(rec, net4(), { gatherings }))!.drift, [], 'the same operation keeps what it gathered');
    gatherings.forget(rec.label, node.statePath);
    assert.match((await agent.readNetwork(rec, net4(), { gatherings }))!.drift.join('\n'), /dnsmasq is not running/);
    assert.equal(rec.scripts.length, 2);
    assert.match((await agent.readNetwork(rec, net4(), { gatherings: new Gatherings() }))!.drift.join('\n'), /dnsmasq is not running/, 'a new operation gathers again');
    await agent.applyNetwork(host, net4());
  });

  it('user-data stays on the node: the gathering carries the metadata trees\' digests, not their files', async () => {
    const raw = await host.run(gatherScript(node.statePath));
    assert.equal(raw.code, 0, raw.stderr);
    assert.ok(!raw.stdout.includes('fg-token'));
    assert.match(raw.stdout, /^f [0-9a-f]{64} latest\/user-data$/m, 'the digest of user-data is there');
    const g = await gatherNode(host, node.statePath);
    assert.deepEqual([...g.files.keys()].filter((path) => path.includes('/metadata/') || path.includes('/sidecars/.') || path.endsWith('.log')), []);
    assert.ok(![...g.files.values()].some((content) => content.includes('fg-token')));
  });

  it('a dead sidecar and a damaged metadata tree between two operations: the second gathering sees them, in the single reads\' words', async () => {
    const rec = new RecordingHost(host);
    const read = async (gatherings?: Gatherings) => [
      await agent.readNetwork(rec, netP(), gatherings && { gatherings }),
      await agent.readNetwork(rec, netB(), gatherings && { gatherings }),
      await agent.readPort(rec, ports().find((p) => p.port.id === MDPORT(1))!, gatherings && { gatherings }),
    ];
    assert.deepEqual((await read(new Gatherings())).map((s) => s!.drift), [[], [], []]);
    assert.equal(rec.scripts.length, 1);
    await kill(sidecarPid(NETP, 'metadata-proxy'));
    await kill(sidecarPid(NETB, 'metadata-server'));
    const tree = treeOf('172.16.10.11');
    writeFileSync(`${tree}/latest/user-data`, '#cloud-config\n# secret: fg-token-forged\n');
    unlinkSync(`${tree}/latest/meta-data/local-ipv4`);
    const second = await read(new Gatherings());
    assert.equal(rec.scripts.length, 2, 'one round trip for the second operation');
    assert.deepEqual(
      second.map((s) => s!.drift),
      [
        [`metadata proxy (haproxy) is not running (no live process named by ${sidecarPaths(dir(NETP), 'metadata-proxy').pid})`],
        [`metadata server (nginx) is not running (no live process named by ${sidecarPaths(dir(NETB), 'metadata-server').pid})`],
        ['metadata file latest/meta-data/local-ipv4 is missing', 'metadata file latest/user-data differs from the spec'],
      ],
    );
    assert.deepEqual(await read(), second, 'the single reads say the same');
    await applyAll();
    assert.deepEqual((await read(new Gatherings())).map((s) => s!.drift), [[], [], []]);
  });
});
