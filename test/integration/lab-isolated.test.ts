/**
 * The lab's options for several agents serving one network: nodes with a private /run/netns
 * (both can make the same `qdhcp-…` namespace, as two hosts would), and a switch linking the
 * nodes' `eth1` with VMs plugged into it, untagged or VLAN-tagged.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SshPool } from '../../src/host';
import { LabError, labDown, labStatus, labUnavailableReason, labUp, vlanUnavailableReason, type Lab } from '../../src/lab';
import { processesWithTmpfs } from '../../src/lab/mountns';
import { isolatedNetnsTmpfsPattern } from '../../src/lab/naming';
import { ipJson } from '../support/ip-json';

const LAB = 'tlabiso';
const skip = labUnavailableReason();
const NS = `qdhcp-${LAB}`;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

function rootNetns(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n !== '');
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('lab with isolated nodes and a switch', { skip }, () => {
  let lab: Lab;
  const pool = new SshPool();
  /** Processes started in the nodes, which labDown must stop. */
  const started: number[] = [];

  /** Runs a command in a node and returns its stdout; fails the test on a non-zero exit. */
  async function inNode(node: number, command: string): Promise<string> {
    const r = await lab.inNode(node, command);
    assert.equal(r.code, 0, `in node n${node}: ${command}\n${r.stderr}`);
    return r.stdout;
  }

  /** Starts dnsmasq in a node (optionally inside one of its namespaces) serving `iface`; returns its pid. */
  async function startDnsmasq(node: number, opts: { netns?: string; iface: string; address: string; host: string }): Promise<number> {
    const dir = `${lab.dir}/dnsmasq-n${node}-${opts.iface}`;
    execFileSync('mkdir', ['-p', '-m', '0755', dir]);
    const inNs = opts.netns ? `ip netns exec ${opts.netns} ` : '';
    const ipCmd = opts.netns ? `ip -n ${opts.netns}` : 'ip';
    await inNode(
      node,
      [
        `${ipCmd} addr add ${opts.address}/24 dev ${opts.iface}`,
        `${ipCmd} link set ${opts.iface} up`,
        `${inNs}dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --port=0 --interface=${opts.iface} --bind-interfaces ` +
          `--dhcp-range=${opts.address.replace(/\.\d+$/, '.0')},static,255.255.255.0,600 --dhcp-host=${opts.host} ` +
          `--dhcp-leasefile=${dir}/leases --pid-file=${dir}/pid --log-facility=${dir}/log </dev/null >/dev/null 2>&1`,
      ].join(' && '),
    );
    const pid = Number(readFileSync(`${dir}/pid`, 'utf8').trim());
    started.push(pid);
    return pid;
  }

  let upMs = 0;
  before(async () => {
    const t0 = Date.now();
    lab = await labUp({ name: LAB, nodes: 2, isolatedNetns: true, switch: true });
    upMs = Date.now() - t0;
  });
  after(async () => {
    await pool.closeAll();
    await labDown(LAB);
  });

  it('gives each node its own mount namespace with an empty private /run/netns', async (t) => {
    t.diagnostic(`labUp of 2 isolated nodes with a switch: ${upMs} ms`);
    assert.equal(lab.isolatedNetns, true);
    assert.deepEqual(lab.switch, { netns: `${LAB}-s0`, bridge: 'switch' });
    assert.deepEqual((await labStatus(LAB)).netns.slice().sort(), [`${LAB}-n0`, `${LAB}-n1`, `${LAB}-s0`]);
    const ours = readlinkSync('/proc/self/ns/mnt');
    const theirs = lab.nodes.map((n) => readlinkSync(`/proc/${n.sshdPid}/ns/mnt`));
    assert.ok(!theirs.includes(ours), 'sshd is not in our mount namespace');
    assert.notEqual(theirs[0], theirs[1], 'nodes do not share a mount namespace');
    for (const n of lab.nodes) {
      assert.equal(n.isolatedNetns, true);
      assert.equal(n.physicalInterface, 'eth1');
      assert.equal((await inNode(n.index, 'ip netns list')).trim(), '', 'nothing of the machine is visible in the node');
      assert.match(await inNode(n.index, 'findmnt -n -o FSTYPE,SOURCE /run/netns'), new RegExp(`tmpfs +dhcp-agent-lab-${LAB}-n${n.index}`));
      // No copy of the machine's namespace mounts: it would keep other labs' namespaces alive.
      assert.doesNotMatch(readFileSync(`/proc/${n.sshdPid}/mountinfo`, 'utf8'), / - nsfs /);
    }
  });

  it('lets both nodes create the same namespace over SSH, invisible outside them', async () => {
    for (const n of lab.nodes) {
      const h = pool.get(lab.sshHostConfig(n.index));
      const r = await h.run(
        [
          'set -e',
          `ip netns add ${NS}`,
          `ip link add tap${LAB} type veth peer name ns-${LAB} netns ${NS}`,
          `ip link set tap${LAB} master ${n.bridge} up`,
          `ip netns exec ${NS} ip -br link show ns-${LAB}`,
          // a long-lived process in the namespace, in a copy of the node's mount namespace
          `setsid ip netns exec ${NS} sleep 600 </dev/null >/dev/null 2>&1 &`,
          'echo "pid=$!"',
        ].join('\n'),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`ns-${LAB}`));
      assert.match(await inNode(n.index, 'ip netns list'), new RegExp(`^${NS}`, 'm'));
    }
    assert.ok(!rootNetns().includes(NS), `${NS} is not in this machine's /run/netns`);
    await new Promise((r) => setTimeout(r, 200));
    const sleepers = await processesWithTmpfs(isolatedNetnsTmpfsPattern(LAB));
    assert.ok(sleepers.length >= 4, `sshds and sleepers found by their mounts: ${sleepers.join(' ')}`);
  });

  it('serves a VM on a node bridge from dnsmasq inside a namespace the node made', async () => {
    await startDnsmasq(0, { netns: NS, iface: `ns-${LAB}`, address: '198.51.100.1', host: '02:00:5e:00:53:21,198.51.100.21' });
    const vm = await lab.addVm({ node: 0, name: 'vm-bridge', mac: '02:00:5e:00:53:21' });
    assert.equal(vm.node?.index, 0);
    assert.equal(vm.interfaceName, 'eth0');
    const lease = await vm.dhcp({ timeoutMs: 8000 });
    assert.equal(lease.ip, '198.51.100.21');
    assert.equal(lease.serverId, '198.51.100.1');
  });

  it('links every node’s eth1 and the VMs plugged into the switch', async () => {
    for (const n of lab.nodes) {
      const link = ipJson(await inNode(n.index, 'ip -j link show dev eth1'))[0];
      assert.ok(link.flags.includes('UP'), `n${n.index} eth1 up`);
      assert.equal(ipJson(ip('-n', `${LAB}-s0`, '-j', 'link', 'show', 'dev', `${LAB}-e${n.index}`))[0].master, 'switch');
    }
    await startDnsmasq(1, { iface: 'eth1', address: '198.51.100.129', host: '02:00:5e:00:53:31,198.51.100.131' });
    const vm = await lab.addVm({ onSwitch: true, name: 'vm-switch', mac: '02:00:5e:00:53:31' });
    assert.equal(vm.node, undefined);
    assert.equal(ipJson(ip('-n', `${LAB}-s0`, '-j', 'link', 'show', 'dev', `${LAB}-t${vm.index}`))[0].master, 'switch');
    const lease = await vm.dhcp({ timeoutMs: 8000 });
    assert.equal(lease.ip, '198.51.100.131');
    assert.equal(lease.serverId, '198.51.100.129');
  });

  it('tags a VM’s DHCP with its VLAN, which only a VLAN sub-interface on a node answers', { skip: vlanUnavailableReason() }, async () => {
    await inNode(0, 'ip link add link eth1 name eth1.120 type vlan id 120');
    await startDnsmasq(0, { iface: 'eth1.120', address: '198.51.100.193', host: '02:00:5e:00:53:41,198.51.100.195' });
    const tagged = await lab.addVm({ onSwitch: true, vlanId: 120, name: 'vm-vlan', mac: '02:00:5e:00:53:41' });
    assert.equal(tagged.interfaceName, 'eth0.120');
    assert.equal(ipJson(ip('-n', tagged.netns, '-d', '-j', 'link', 'show', 'dev', 'eth0.120'))[0].linkinfo.info_data.id, 120);
    const lease = await tagged.dhcp({ timeoutMs: 8000 });
    assert.equal(lease.ip, '198.51.100.195');
    assert.equal(lease.serverId, '198.51.100.193');
    await tagged.remove();
    // The same MAC untagged reaches no server of VLAN 120 (node 1's eth1 server has no host for it).
    const untagged = await lab.addVm({ onSwitch: true, name: 'vm-untagged', mac: '02:00:5e:00:53:41' });
    await assert.rejects(untagged.dhcp({ timeoutMs: 2000 }), /no DHCP lease within 2000 ms/);
  });

  it('refuses VMs it cannot plug in', async () => {
    await assert.rejects(lab.addVm({ node: 0, onSwitch: true, name: 'x', mac: '02:00:5e:00:53:51' }), /got both node and onSwitch/);
    await assert.rejects(lab.addVm({ onSwitch: true, vlanId: 5000, name: 'x', mac: '02:00:5e:00:53:51' }), /VM vlanId: got 5000; unset \(untagged\) or a whole number 1\.\.4094/);
    const reason = vlanUnavailableReason();
    if (reason) {
      await assert.rejects(lab.addVm({ onSwitch: true, vlanId: 120, name: 'x', mac: '02:00:5e:00:53:51' }), (e: Error) => e instanceof LabError && /cannot tag with VLAN 120: .*CONFIG_VLAN_8021Q/.test(e.message));
    }
  });

  it('goes down leaving no process, namespace or mount behind', async (t) => {
    const pids = [...lab.nodes.map((n) => n.sshdPid), ...started, ...(await processesWithTmpfs(isolatedNetnsTmpfsPattern(LAB)))];
    assert.ok(pids.every(alive), 'everything ran until now');
    await pool.closeAll();
    const t0 = Date.now();
    await labDown(LAB);
    t.diagnostic(`labDown of 2 isolated nodes with a switch: ${Date.now() - t0} ms`);
    assert.deepEqual(pids.filter(alive), [], 'no process left');
    assert.deepEqual(await processesWithTmpfs(isolatedNetnsTmpfsPattern(LAB)), [], 'no mount namespace of a node left');
    assert.deepEqual(rootNetns().filter((n) => n.startsWith(`${LAB}-`)), []);
    assert.equal((await labStatus(LAB)).state, 'absent');
  });
});

describe('lab switch without isolation', { skip }, () => {
  const name = 'tlabsw';
  after(() => labDown(name));

  it('keeps the default of sharing /run/netns and refuses switch VMs in a lab without a switch', async () => {
    const lab = await labUp({ name });
    assert.equal(lab.isolatedNetns, false);
    assert.equal(lab.switch, undefined);
    assert.equal(lab.node(0).physicalInterface, undefined);
    assert.equal(readlinkSync(`/proc/${lab.node(0).sshdPid}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'));
    // inNode works on a shared node too
    const r = await lab.inNode(0, `ip -br link show dev ${lab.node(0).bridge}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^br-${name} `));
    await assert.rejects(lab.addVm({ onSwitch: true, name: 'x', mac: '02:00:5e:00:53:61' }), /lab tlabsw has no switch/);
    await labDown(name);
    await assert.rejects(lab.inNode(0, 'true'), /sshd \(pid \d+\) is not running/);
  });
});
