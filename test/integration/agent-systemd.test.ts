/**
 * The agent on a node that boots systemd (a systemd-nspawn container, `labUp({ init: 'systemd' })`):
 * the process monitor and every network are units of their own; no node apply, monitor restart
 * or `systemctl restart` of an agent unit stops a running dnsmasq; systemd respawns a killed
 * one; after a reboot every network comes back without Terraform, with its leases file; a node
 * taken down with `monitor.sh down` stays down until an apply repairs it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { monitorPaths } from '../../src/agent/monitor';
import { networkUnitName, networkUnitTemplateName } from '../../src/agent/systemd-units';
import { SshHost, SshPool } from '../../src/host';
import { DhcpProber, formatReport, labUnavailableReason, systemdNodeUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'tsysd';
const skip = labUnavailableReason() ?? systemdNodeUnavailableReason();
const NET_A = 'a9000000-0000-4000-8000-00000000000a';
const NET_B = 'a9000000-0000-4000-8000-00000000000b';
const MAC_A = 'fa:16:3e:90:00:0a';
const MAC_B = 'fa:16:3e:90:00:0b';

describe('agent on a systemd lab node', { skip }, () => {
  let lab: Lab;
  let node: LabNode;
  let pool: SshPool;
  let host: SshHost;
  const netA = () => networkSpec(node, { networkId: NET_A, cidr: '172.16.90.0/24' });
  // Network B on the same bridge, another subnet: a second client population.
  const netB = () => networkSpec(node, { networkId: NET_B, cidr: '172.16.91.0/24' });
  const portA = () => portSpec(netA(), { id: 'c9000000-0000-4000-8000-00000000000a', macAddress: MAC_A, ip: '172.16.90.10', hostname: 'vma' });
  const portB = () => portSpec(netB(), { id: 'c9000000-0000-4000-8000-00000000000b', macAddress: MAC_B, ip: '172.16.91.10', hostname: 'vmb' });
  const nodeSpec = (interval = 60) => ({ statePath: node.statePath, monitorIntervalSeconds: interval });
  const unitA = () => networkUnitName(node.statePath, NET_A);
  const unitB = () => networkUnitName(node.statePath, NET_B);

  async function inNode(command: string): Promise<string> {
    const r = await lab.inNode(node, command);
    assert.equal(r.code, 0, `in node: ${command}\n${r.stdout}\n${r.stderr}`);
    return r.stdout.trim();
  }
  const pidOf = async (net: string): Promise<number> => Number(await inNode(`cat ${node.statePath}/dhcp/${net}/pid`));
  const mainPid = async (unit: string): Promise<number> => Number(await inNode(`systemctl show -p MainPID --value ${unit}`));

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB, init: 'systemd' }));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('node create installs the monitor unit and the network template; each network runs as its own unit', async (t) => {
    const st = await agent.applyNode(host, nodeSpec());
    assert.equal(st.monitorBoot, 'systemd');
    assert.deepEqual(st.drift, []);
    const mon = monitorPaths(node.statePath).unit;
    assert.equal(await inNode(`systemctl is-active ${mon}`), 'active');
    assert.equal(await inNode(`systemctl is-enabled ${mon}`), 'enabled');
    assert.match(await inNode(`systemctl cat ${mon}`), /^KillMode=process$/m);
    assert.match(await inNode(`ls /etc/systemd/system/${networkUnitTemplateName(node.statePath)}`), /@\.service$/);

    for (const [net, port] of [[netA(), portA()], [netB(), portB()]] as const) {
      const created = await agent.applyNetwork(host, net);
      assert.deepEqual(created.drift, []);
      await agent.applyPort(host, port);
    }
    for (const [net, unit] of [[NET_A, unitA()], [NET_B, unitB()]]) {
      assert.equal(await inNode(`systemctl is-active ${unit}`), 'active', `${unit} active`);
      assert.equal(await inNode(`systemctl is-enabled ${unit}`), 'enabled', `${unit} enabled`);
      assert.equal(await mainPid(unit), await pidOf(net), `dnsmasq is ${unit}'s main process`);
    }
    const vm = await lab.addVm({ node: 0, name: 'va', mac: MAC_A });
    assert.equal((await vm.dhcp({ timeoutMs: 5000 })).ip, '172.16.90.10');
    const read = await agent.readNetwork(host, netA());
    assert.deepEqual(read?.drift, []);
    t.diagnostic(`journal of ${unitA()}: ${(await inNode(`journalctl -u ${unitA()} --no-pager -n 3 -o cat`)).replace(/\n/g, ' | ')}`);
  });

  it('three node updates and a restart of the monitor unit: 0 failed DHCP exchanges, same dnsmasq', async (t) => {
    const pids = [await pidOf(NET_A), await pidOf(NET_B)];
    const vm = await lab.addVm({ node: 0, name: 'vp', mac: MAC_B });
    const prober = DhcpProber.start(vm, { expectIp: '172.16.91.10', exchangeTimeoutMs: 3000 });
    try {
      await prober.waitForAttempts(2);
      for (const interval of [30, 45, 60]) {
        const st = await agent.applyNode(host, nodeSpec(interval));
        assert.deepEqual(st.drift, []);
        await prober.waitForAttempts(1);
      }
      await inNode(`systemctl restart ${monitorPaths(node.statePath).unit}`);
      await inNode(`systemctl daemon-reload`);
      await prober.waitForAttempts(2);
    } finally {
      const report = await prober.stop();
      t.diagnostic(`prober through 3 node updates + monitor restart: ${formatReport(report)}`);
      assert.equal(report.failures, 0, formatReport(report));
      assert.ok(report.attempts >= 7, `at least 7 exchanges: ${report.attempts}`);
    }
    assert.deepEqual([await pidOf(NET_A), await pidOf(NET_B)], pids, 'no dnsmasq was restarted');
  });

  it('systemd respawns a killed dnsmasq; a disabled unit is drift that an apply repairs', async (t) => {
    const before = await pidOf(NET_A);
    const t0 = performance.now();
    await inNode(`kill -9 ${before}`);
    const after = await waitFor('a new dnsmasq for network A', async () => {
      const r = await lab.inNode(node, `p=$(cat ${node.statePath}/dhcp/${NET_A}/pid 2>/dev/null) && [ "$p" != ${before} ] && kill -0 "$p" && echo "$p"`);
      return r.code === 0 ? Number(r.stdout.trim()) : undefined;
    }, 15_000);
    t.diagnostic(`dnsmasq killed -> respawned by systemd in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(await mainPid(unitA()), after);

    await inNode(`systemctl disable --quiet ${unitA()}`);
    const seen = await agent.readNetwork(host, netA());
    assert.ok(seen?.drift.some((d) => d.includes(`systemd unit ${unitA()} is disabled, want enabled`)), JSON.stringify(seen?.drift));
    const repaired = await agent.applyNetwork(host, netA());
    assert.deepEqual(repaired.drift, []);
    assert.equal(repaired.dnsmasqPid, after, 'enabling the unit again does not restart dnsmasq');
  });

  it('monitor.sh down takes the node’s DHCP service down; it stays down until an apply', async () => {
    await inNode(`sh ${node.statePath}/monitor.sh down`);
    // Longer than the units' RestartSec and the monitor's old RestartSec: nothing comes back.
    await new Promise((r) => setTimeout(r, 6000));
    const nodeState = await agent.readNode(host, nodeSpec());
    assert.ok(nodeState?.drift.some((d) => /process monitor is not running/.test(d)), JSON.stringify(nodeState?.drift));
    const net = await agent.readNetwork(host, netA());
    assert.equal(net?.dnsmasqPid, null);
    assert.ok(net?.drift.some((d) => /dnsmasq is not running/.test(d)));
    const vm = await lab.addVm({ node: 0, name: 'vd', mac: MAC_A });
    await assert.rejects(vm.dhcp({ timeoutMs: 2000 }), /no DHCP lease/);

    assert.deepEqual((await agent.applyNode(host, nodeSpec())).drift, []);
    for (const n of [netA(), netB()]) assert.deepEqual((await agent.applyNetwork(host, n)).drift, []);
    assert.equal((await vm.dhcp({ timeoutMs: 5000 })).ip, '172.16.90.10');
  });

  it('after a reboot every network comes back without Terraform, with the leases it had', async (t) => {
    const leasesBefore = await inNode(`cat ${node.statePath}/dhcp/${NET_A}/leases`);
    assert.match(leasesBefore, new RegExp(`${MAC_A} 172\\.16\\.90\\.10`), 'a lease was recorded before the reboot');
    const vm = await lab.addVm({ node: 0, name: 'vr', mac: MAC_A });
    const t0 = performance.now();
    await lab.reboot(0);
    const upMs = performance.now() - t0;
    const lease = await waitFor('a lease after the reboot', async () => {
      try {
        return await vm.dhcp({ timeoutMs: 2000 });
      } catch {
        return undefined;
      }
    }, 60_000, 200);
    t.diagnostic(`reboot: node up again in ${upMs.toFixed(0)} ms, first lease ${(performance.now() - t0).toFixed(0)} ms after the reboot began`);
    assert.equal(lease?.ip, '172.16.90.10');
    const leasesAfter = await inNode(`cat ${node.statePath}/dhcp/${NET_A}/leases`);
    assert.match(leasesAfter, new RegExp(`${MAC_A} 172\\.16\\.90\\.10`), 'the leases file from before the reboot');

    await pool.closeAll();
    pool = new SshPool();
    host = pool.get(lab.sshHostConfig(0));
    for (const n of [netA(), netB()]) {
      const read = await agent.readNetwork(host, n);
      assert.deepEqual(read?.drift, [], `network ${n.network.id} converged after the reboot`);
    }
    assert.deepEqual((await agent.readNode(host, nodeSpec()))?.drift, []);
  });

  it('deleting the networks and the node removes their units', async () => {
    for (const n of [netA(), netB()]) assert.equal((await agent.deleteNetwork(host, n)).deleted, true);
    for (const u of [unitA(), unitB()]) {
      const r = await lab.inNode(node, `systemctl is-enabled ${u}`);
      assert.notEqual(r.stdout.trim(), 'enabled', `${u} no longer enabled`);
    }
    const del = await agent.deleteNode(host, nodeSpec());
    assert.equal(del.deleted, true);
    assert.equal(await inNode(`ls /etc/systemd/system | grep -c dhcp-agent || true`), '0');
    assert.equal(await inNode(`pgrep -c dnsmasq || true`), '0');
  });
});
