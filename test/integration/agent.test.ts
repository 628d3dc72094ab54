/**
 * The agent handlers over SSH against a real lab node: namespaces, veth, bridge, iptables,
 * files, dnsmasq and a real DHCP client (udhcpc) in "VM" namespaces.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { HostError, SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { ValidationError } from '../../src/model/errors';
import { RecordingHost, inNetns, netnsExists, pidAlive, processesMatching, readPid, waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';
import { repoRoot } from '../support/terraform';

const LAB = 'tagent';
const skip = labUnavailableReason();
const NET = 'a1000000-0000-4000-8000-000000000001';
const MAC1 = 'fa:16:3e:10:00:01';
const MAC2 = 'fa:16:3e:10:00:02';

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;

function timed<T>(t: { diagnostic(s: string): void }, what: string, f: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  return f().finally(() => t.diagnostic(`${what}: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms`));
}

describe('agent handlers on a lab node', { skip }, () => {
  const net = () => networkSpec(node, { networkId: NET, dnsNameservers: ['172.16.0.1'] });
  const port1 = () => portSpec(net(), { id: 'c1000000-0000-4000-8000-000000000001', macAddress: MAC1, ip: '172.16.0.10', hostname: 'vm1' });
  const port2 = () => portSpec(net(), { id: 'c1000000-0000-4000-8000-000000000002', macAddress: MAC2, ip: '172.16.0.11' });
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const nodeSpec = (interval = 60) => ({ statePath: node.statePath, monitorIntervalSeconds: interval });

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('serves leases: network with two ports, second port added without a dnsmasq restart, no drift', async (t) => {
    const nodeState = await timed(t, 'node create', () => agent.applyNode(host, nodeSpec()));
    assert.equal(nodeState.dnsmasqVersion.split('.')[0], '2');
    assert.ok(nodeState.monitorPid && pidAlive(nodeState.monitorPid), 'monitor runs');

    const created = await timed(t, 'network create', () => agent.applyNetwork(host, net()));
    assert.deepEqual(created.drift, []);
    assert.equal(created.dnsmasqAction, 'started');
    assert.ok(netnsExists(`qdhcp-${NET}`));
    await timed(t, 'port create', () => agent.applyPort(host, port1()));

    const vm1 = await lab.addVm({ node: 0, name: 'v1', mac: MAC1 });
    const lease1 = await timed(t, 'VM 1 lease', () => vm1.dhcp({ timeoutMs: 5000 }));
    assert.equal(lease1.ip, '172.16.0.10');
    assert.equal(lease1.router, '172.16.0.1');
    assert.equal(lease1.hostname, 'vm1');
    assert.equal(lease1.domain, 'openstacklocal');
    assert.deepEqual(lease1.dns, ['172.16.0.1']);

    const pidBefore = readPid(`${dir()}/pid`);
    const added = await agent.applyPort(host, port2());
    assert.equal(added.dnsmasqAction, 'reloaded');
    assert.equal(readPid(`${dir()}/pid`), pidBefore, 'same dnsmasq process after adding a port');
    const vm2 = await lab.addVm({ node: 0, name: 'v2', mac: MAC2 });
    assert.equal((await vm2.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.11');

    const read = await timed(t, 'network read', () => agent.readNetwork(host, net()));
    assert.deepEqual(read?.drift, []);
    assert.equal(read?.portCount, 2);
    assert.equal(read?.dnsmasqPid, pidBefore);
    const readPort = await timed(t, 'port read', () => agent.readPort(host, port1()));
    assert.deepEqual(readPort?.drift, []);
    await timed(t, 'port update (no change)', () => agent.applyPort(host, port1()));

    // neutron's file formats, byte for byte where the renderers are the spec.
    assert.equal(
      readFileSync(`${dir()}/host`, 'utf8'),
      `${MAC1},vm1.openstacklocal.,172.16.0.10\n${MAC2},host-172-16-0-11.openstacklocal,172.16.0.11\n`,
    );
    assert.match(readFileSync(`${dir()}/opts`, 'utf8'), /^tag:subnet-[^\n]*,option:dns-server,172\.16\.0\.1\n/);
    assert.ok(!readFileSync(`${dir()}/opts`, 'utf8').endsWith('\n'), 'opts has no trailing newline');
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(dir()), 0o755);
    assert.equal(mode(`${dir()}/host`), 0o644);
  });

  it('changes a port in place: new address served, dnsmasq not restarted, leases kept', async () => {
    const pid = readPid(`${dir()}/pid`);
    const moved = portSpec(net(), { id: 'c1000000-0000-4000-8000-000000000002', macAddress: MAC2, ip: '172.16.0.21' });
    assert.equal((await agent.applyPort(host, moved)).dnsmasqAction, 'reloaded');
    assert.equal(readPid(`${dir()}/pid`), pid);
    const vm2 = await lab.addVm({ node: 0, name: 'v2', mac: MAC2 });
    assert.equal((await vm2.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.21');
    await agent.applyPort(host, port2());
    assert.equal((await vm2.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.11');
    assert.match(readFileSync(`${dir()}/leases`, 'utf8'), new RegExp(MAC1));
  });

  it('restarts dnsmasq when its command line must change, and keeps the leases', async () => {
    const pid = readPid(`${dir()}/pid`);
    const longer = networkSpec(node, { networkId: NET, dnsNameservers: ['172.16.0.1'], options: { dhcpLeaseDuration: 3600 } });
    const st = await agent.applyNetwork(host, longer);
    assert.equal(st.dnsmasqAction, 'started');
    assert.notEqual(st.dnsmasqPid, pid);
    assert.match(readFileSync(`/proc/${st.dnsmasqPid}/cmdline`, 'utf8'), /,3600s/);
    assert.match(readFileSync(`${dir()}/leases`, 'utf8'), new RegExp(MAC1), 'the real leases survive a restart');
    const vm1 = await lab.addVm({ node: 0, name: 'v1', mac: MAC1 });
    assert.equal((await vm1.dhcp({ timeoutMs: 5000 })).leaseSeconds, 3600);
    assert.equal((await agent.applyNetwork(host, net())).dnsmasqAction, 'started');
  });

  describe('drift: seen by read, repaired by update', () => {
    const expectDriftThenRepair = async (tamper: () => void, pattern: RegExp) => {
      tamper();
      const seen = await agent.readNetwork(host, net());
      assert.ok(seen, 'the network is still partly there');
      assert.ok(seen.drift.some((d) => pattern.test(d)), `drift ${JSON.stringify(seen.drift)} should match ${pattern}`);
      const repaired = await agent.applyNetwork(host, net());
      assert.deepEqual(repaired.drift, []);
      assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
      const vm1 = await lab.addVm({ node: 0, name: 'v1', mac: MAC1 });
      assert.equal((await vm1.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.10');
    };

    it('a killed dnsmasq', () =>
      expectDriftThenRepair(() => process.kill(readPid(`${dir()}/pid`)!, 'SIGKILL'), /dnsmasq is not running/));

    it('a deleted namespace', () =>
      expectDriftThenRepair(() => inNetns(node.netns, `ip netns del qdhcp-${NET}`), /namespace qdhcp-\S+ is missing/));

    it('an edited host file', () =>
      expectDriftThenRepair(() => writeFileSync(`${dir()}/host`, `${MAC1},evil,172.16.0.99\n`), /file host differs from the 2 port\(s\)/));

    it('a removed iptables rule', () =>
      expectDriftThenRepair(
        () => inNetns(node.netns, `ip netns exec qdhcp-${NET} iptables -t mangle -F ${agent.CHECKSUM_CHAIN}`),
        /CHECKSUM rule for udp\/68 is missing/,
      ));

    it('the rule is there with the neutron match', () => {
      const rules = inNetns(node.netns, `ip netns exec qdhcp-${NET} iptables -t mangle -S`);
      assert.match(rules, new RegExp(`-A POSTROUTING -j ${agent.CHECKSUM_CHAIN}`));
      assert.match(rules, new RegExp(`-A ${agent.CHECKSUM_CHAIN} -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill`));
    });

    it('a port fragment edited on the node', async () => {
      writeFileSync(`${dir()}/ports/${port1().port.id}.host`, 'tampered\n');
      assert.match((await agent.readPort(host, port1()))!.drift.join('\n'), /host fragment on the node differs/);
      await agent.applyPort(host, port1());
      assert.deepEqual((await agent.readPort(host, port1()))!.drift, []);
      assert.deepEqual((await agent.readNetwork(host, net()))!.drift, []);
    });
  });

  it('refuses bad input before anything changes on the node', async () => {
    const rec = new RecordingHost(host);
    const before = readFileSync(`${dir()}/serial`, 'utf8');
    const hostFile = readFileSync(`${dir()}/host`, 'utf8');

    const badName = portSpec(net(), { id: 'c1000000-0000-4000-8000-000000000009', macAddress: 'fa:16:3e:10:00:09', ip: '172.16.0.30', hostname: 'evil\nname' });
    await assert.rejects(agent.applyPort(rec, badName), (e: unknown) => e instanceof ValidationError && /dnsAssignment\[0\]\.hostname/.test(e.message) && /"evil\\nname"/.test(e.message));
    const outside = portSpec(net(), { id: 'c1000000-0000-4000-8000-000000000009', macAddress: 'fa:16:3e:10:00:09', ip: '10.9.9.9' });
    await assert.rejects(agent.applyPort(rec, outside), (e: unknown) => e instanceof ValidationError && /10\.9\.9\.9/.test(e.message) && /172\.16\.0\.0\/24/.test(e.message));
    const dupMac = portSpec(net(), { id: 'c1000000-0000-4000-8000-000000000009', macAddress: MAC1, ip: '172.16.0.31' });
    await assert.rejects(agent.applyPort(rec, dupMac), (e: unknown) => e instanceof ValidationError && /macAddress/.test(e.message) && new RegExp(MAC1).test(e.message));
    // Only read-only context scripts ran (no lock, no write).
    assert.ok(rec.scripts.every((s) => !s.includes('flock') && !s.includes('base64 -d')), 'no write reached the node');
    assert.equal(readFileSync(`${dir()}/serial`, 'utf8'), before);
    assert.equal(readFileSync(`${dir()}/host`, 'utf8'), hostFile);

    const badNet = networkSpec(node, { networkId: 'a1000000-0000-4000-8000-00000000000f', gateway: '10.0.0.1' });
    const rec2 = new RecordingHost(host);
    await assert.rejects(agent.applyNetwork(rec2, badNet), (e: unknown) => e instanceof ValidationError && /gatewayIp/.test(e.message) && /10\.0\.0\.1/.test(e.message));
    assert.equal(rec2.scripts.length, 0, 'an invalid network never reaches the node');
    assert.ok(!existsSync(`${node.statePath}/dhcp/a1000000-0000-4000-8000-00000000000f`));
  });

  it('refuses a node whose host key does not match, naming the fingerprint seen', async () => {
    const wrong = new SshPool();
    try {
      const h = wrong.get({ ...lab.sshHostConfig(0), hostKeySha256: 'SHA256:' + 'A'.repeat(43) });
      await assert.rejects(agent.applyNode(h, nodeSpec()), (e: unknown) => e instanceof HostError && e.kind === 'host-key' && e.message.includes(node.hostKeySha256));
    } finally {
      await wrong.closeAll();
    }
  });

  it('works through sudo for a non-root login (become: sudo)', async (t) => {
    if (!node.sudoUser) return t.skip('sudo is not installed (apt-get install sudo)');
    const sudoPool = new SshPool();
    try {
      const h = sudoPool.get(lab.sshHostConfig(0, { user: node.sudoUser, become: 'sudo' }));
      const st = await agent.readNetwork(h, net());
      assert.deepEqual(st?.drift, []);
      assert.equal((await agent.applyPort(h, port1())).dnsmasqAction, 'unchanged');
    } finally {
      await sudoPool.closeAll();
    }
  });

  it('reports the failing step and the node on partial failure', async () => {
    const other = { ...networkSpec(node, { networkId: 'a1000000-0000-4000-8000-00000000000e', cidr: '172.17.0.0/24' }), attachment: { bridge: 'nosuchbr' } };
    await assert.rejects(
      agent.applyNetwork(host, other),
      (e: unknown) => e instanceof agent.AgentStepError && e.step === 'bridge' && e.node === host.label && /bridge nosuchbr does not exist/.test(e.message),
    );
    const seen = await agent.readNetwork(host, other);
    assert.ok(seen && seen.drift.some((d) => /bridge nosuchbr is missing/.test(d)), 'read reports the half-made network honestly');
    await agent.deleteNetwork(host, other);
    assert.equal(await agent.readNetwork(host, other), null);
  });

  it('coalesces ports applied together into few round trips and one reload', async () => {
    const rec = new RecordingHost(host);
    const many = Array.from({ length: 10 }, (_, i) =>
      portSpec(net(), { id: `c2000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`, macAddress: `fa:16:3e:20:00:${String(i).padStart(2, '0')}`, ip: `172.16.0.${100 + i}` }),
    );
    const pid = readPid(`${dir()}/pid`);
    await Promise.all(many.map((p) => agent.applyPort(rec, p)));
    const writes = rec.scripts.filter((s) => s.includes('reload_allocations\n'));
    assert.ok(writes.length <= 2, `10 concurrent ports took ${writes.length} write scripts`);
    const hostLines = readFileSync(`${dir()}/host`, 'utf8').trim().split('\n');
    for (const p of many) assert.ok(hostLines.some((l) => l.startsWith(p.port.macAddress)), `${p.port.macAddress} in host file`);
    assert.equal(readPid(`${dir()}/pid`), pid);
    await Promise.all(many.map((p) => agent.deletePort(rec, p)));
    assert.equal(readFileSync(`${dir()}/host`, 'utf8').trim().split('\n').length, 2);
  });

  it('keeps dnsmasq alive when ports with DHCP options change after their clients got leases', async () => {
    // dnsmasq < 2.91 crashes on SIGHUP once a host tagged with set: (ports with extra options)
    // has had a DHCP exchange; the agent restarts it there instead.
    const pxe = portSpec(net(), { id: 'c3000000-0000-4000-8000-000000000001', macAddress: 'fa:16:3e:30:00:01', ip: '172.16.0.40' });
    const withOpts = { ...pxe, port: { ...pxe.port, extraDhcpOpts: [{ optName: 'tftp-server', optValue: '172.16.0.5', ipVersion: 4 as const }] } };
    await agent.applyPort(host, withOpts);
    const vm = await lab.addVm({ node: 0, name: 'v3', mac: 'fa:16:3e:30:00:01' });
    assert.equal((await vm.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.40');
    const other = portSpec(net(), { id: 'c3000000-0000-4000-8000-000000000002', macAddress: 'fa:16:3e:30:00:02', ip: '172.16.0.41' });
    const st = await agent.applyPort(host, other);
    assert.ok(st.dnsmasqAction === 'restarted' || st.dnsmasqAction === 'reloaded', String(st.dnsmasqAction));
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, [], 'dnsmasq survived');
    assert.equal((await vm.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.40');
    assert.match(readFileSync(`${dir()}/leases`, 'utf8'), /fa:16:3e:30:00:01/);
    await agent.deletePort(host, withOpts);
    await agent.deletePort(host, other);
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
  });

  it('keeps every port when separate processes change ports of one network at once', async () => {
    // Separate processes share no queue: the network lock and the counters on the node keep them apart.
    const cli = join(repoRoot, 'dist', 'cli.cjs');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (npm test does)`);
    const nodeAttr = { host: node.address, user: node.user, private_key_path: node.privateKeyPath, known_hosts_path: node.knownHostsPath, state_path: node.statePath };
    const payloads = Array.from({ length: 8 }, (_, i) => ({
      node: nodeAttr,
      network_id: NET,
      port_id: `c4000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`,
      mac_address: `fa:16:3e:40:00:${String(i).padStart(2, '0')}`,
      fixed_ips: [{ ip_address: `172.16.0.${150 + i}` }],
    }));
    const run = (action: string, payload: object) =>
      new Promise<{ code: number; out: string }>((done) => {
        const c = spawn(process.execPath, [cli, 'handler', 'port', action], { env: { ...process.env, DHCP_AGENT_SPEC: JSON.stringify(payload) }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr.on('data', (d: Buffer) => (out += d.toString()));
        c.on('close', (code) => done({ code: code ?? -1, out }));
      });
    const created = await Promise.all(payloads.map((p) => run('create', p)));
    created.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.out}`));
    const hostFile = readFileSync(`${dir()}/host`, 'utf8');
    for (const p of payloads) assert.ok(hostFile.includes(p.mac_address), `${p.mac_address} in the host file`);
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
    const deleted = await Promise.all(payloads.map((p) => run('delete', p)));
    deleted.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.out}`));
    const after = readFileSync(`${dir()}/host`, 'utf8');
    for (const p of payloads) assert.ok(!after.includes(p.mac_address), `${p.mac_address} gone`);
  });

  it('releases the lease of a deleted port', async () => {
    const vm1 = await lab.addVm({ node: 0, name: 'v1', mac: MAC1 });
    await vm1.dhcp({ timeoutMs: 5000 });
    assert.match(readFileSync(`${dir()}/leases`, 'utf8'), new RegExp(MAC1));
    await agent.deletePort(host, port1());
    await waitFor('lease released', () => !readFileSync(`${dir()}/leases`, 'utf8').includes(MAC1), 3000);
    assert.equal(await agent.readPort(host, port1()), null);
    await assert.rejects(vm1.dhcp({ timeoutMs: 2000 }));
    await agent.applyPort(host, port1());
  });

  it('the process monitor respawns a killed dnsmasq, and restores a network after a reboot', async () => {
    await agent.applyNode(host, nodeSpec(1));
    const pid = readPid(`${dir()}/pid`)!;
    process.kill(pid, 'SIGKILL');
    const respawned = await waitFor('a new dnsmasq', () => {
      const p = readPid(`${dir()}/pid`);
      return p && p !== pid && pidAlive(p) ? p : null;
    }, 8000);
    assert.ok(respawned);
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);

    // A reboot: no processes, no namespaces, no veth; only the files under the state path.
    const monitorPid = readPid(agent.monitorPaths(node.statePath).pidFile)!;
    process.kill(monitorPid, 'SIGKILL');
    process.kill(readPid(`${dir()}/pid`)!, 'SIGKILL');
    inNetns(node.netns, `ip netns del qdhcp-${NET}`);
    await waitFor('namespace gone', () => !netnsExists(`qdhcp-${NET}`));
    // What the boot entry (systemd unit or @reboot line) runs:
    inNetns(node.netns, `sh ${agent.monitorPaths(node.statePath).script} start`);
    await waitFor('network restored', async () => (await agent.readNetwork(host, net()))?.drift.length === 0, 8000, 250);
    const vm1 = await lab.addVm({ node: 0, name: 'v1', mac: MAC1 });
    assert.equal((await vm1.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.10');
    await agent.applyNode(host, nodeSpec());
  });

  it('deletes everything: no namespace, veth, chain, process or file is left', async () => {
    const d = agent.deriveNetwork(net());
    const pid = readPid(`${dir()}/pid`);
    await agent.deletePort(host, port1());
    await agent.deletePort(host, port2());
    await agent.deleteNetwork(host, net());
    assert.ok(!netnsExists(`qdhcp-${NET}`), 'namespace gone');
    assert.equal(inNetns(node.netns, `ip -o link show | grep -c ${d.tapName} || true`).trim(), '0', 'veth gone');
    assert.ok(!pidAlive(pid), 'dnsmasq gone');
    assert.deepEqual(processesMatching(NET), [], 'no process mentions the network');
    assert.ok(!existsSync(dir()), 'files gone');
    assert.equal(await agent.readNetwork(host, net()), null);

    const left = await agent.deleteNode(host, nodeSpec());
    assert.deepEqual(left.networksLeft, []);
    assert.ok(!existsSync(node.statePath) || readdirSync(node.statePath).length === 0, 'state path empty or gone');
    assert.deepEqual(processesMatching(agent.monitorPaths(node.statePath).script), [], 'monitor stopped');
  });
});
