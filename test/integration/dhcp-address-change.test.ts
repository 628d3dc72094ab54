/**
 * Issue 18 at the handler level: the DHCP port of a served network moves to other addresses
 * of its subnets (IPv4 and IPv6) while a VM does full DHCP exchanges. The device never loses
 * its addresses, the apply succeeds in one go, and every exchange after it gets its lease from
 * the new server address (DNS server and metadata route follow). The provider-path test is
 * test/e2e/dhcp-address-change.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { SshPool, type SshHost } from '../../src/host';
import { formatReport, labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import type { NetworkSpec } from '../../src/agent';
import { globalAddresses, inNetns, readPid } from '../support/host-probe';
import { probeDuring } from '../support/probe-change';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { dualStackSpec, portSpec } from '../support/specs';

const LAB = 'adagent';
const skip = labUnavailableReason();
const NET = 'ad180000-0000-4000-8000-000000000001';
const VM_MAC = 'fa:16:3e:18:00:0a';
const VM_IP = '172.16.0.10';

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;

/** An IPv4 and an IPv6 (stateful) subnet, isolated metadata on (so the opts name the DHCP address), no DNS servers given (dnsmasq announces itself). */
function spec(n: LabNode, v4: string, v6: string): NetworkSpec {
  return dualStackSpec(n, { networkId: NET, mode: 'dhcpv6-stateful', v4, v6, options: { enableIsolatedMetadata: true } });
}

describe('changing the DHCP address of a served network (handlers)', { skip }, () => {
  const ns = `qdhcp-${NET}`;
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const addrs = () => globalAddresses(ns);

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    const st = await agent.applyNetwork(host, spec(node, '172.16.0.2', 'fd00:18::2'));
    assert.deepEqual(st.drift, []);
    await agent.applyPort(host, portSpec(spec(node, '172.16.0.2', 'fd00:18::2'), { id: 'ad180000-0000-4000-8000-0000000000c1', macAddress: VM_MAC, ip: VM_IP }));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  for (const [v4, v6] of [
    ['172.16.0.3', 'fd00:18::3'],
    ['172.16.0.4', 'fd00:18::4'],
  ]) {
    it(`moves the DHCP address to ${v4} and ${v6} while a VM does DHCP exchanges`, async (t) => {
      const vm = await lab.addVm({ node: 0, name: 'v1', mac: VM_MAC });
      const pid = readPid(`${dir()}/pid`);
      const { result: st, report, during, after: afterApply, changeMs } = await probeDuring(vm, VM_IP, () => agent.applyNetwork(host, spec(node, v4, v6)));
      t.diagnostic(`probe: ${formatReport(report)}`);
      t.diagnostic(`apply ${changeMs} ms; failures during the apply: ${during.filter((a) => !a.ok).length} of ${during.length}; longest gap ${report.longestGapMs} ms`);
      assert.deepEqual(st.drift, [], 'converged in one apply');
      assert.deepEqual(addrs(), ['169.254.169.254/32', `${v4}/24`, `${v6}/64`].sort());
      assert.match(inNetns(ns, 'ip -4 route show default'), /default via 172\.16\.0\.1 dev ns-/);
      assert.match(inNetns(ns, 'ip -6 route show default'), /default via fd00:18::1 dev ns-/);
      assert.equal(inNetns(ns, `cat /proc/sys/net/ipv4/conf/${st.interfaceName}/promote_secondaries`).trim(), '1');
      assert.equal(st.dnsmasqPid, pid, 'dnsmasq kept (it follows the addresses by itself with --bind-dynamic)');
      assert.match(readFileSync(`${dir()}/opts`, 'utf8'), new RegExp(`169\\.254\\.169\\.254/32,${v4.replace(/\./g, '\\.')}`), 'metadata route follows');
      // --bind-dynamic: dnsmasq's DNS listeners follow the device's addresses.
      const listening = inNetns(ns, 'ss -Hlnu sport = :53');
      assert.match(listening, new RegExp(`${v4.replace(/\./g, '\\.')}:53`));
      assert.match(listening, new RegExp(`\\[${v6}\\]:53`));
      assert.doesNotMatch(listening, /172\.16\.0\.2:53|\[fd00:18::2\]:53/);

      assert.ok(afterApply.length >= 5);
      for (const a of afterApply) {
        assert.ok(a.ok, `exchange at ${a.startMs} ms after the apply failed: ${a.error}`);
        assert.equal(a.serverId, v4, `exchange at ${a.startMs} ms answered by ${a.serverId}`);
      }
      const lease = await vm.dhcp({ timeoutMs: 5000 });
      assert.deepEqual(lease.dns, [v4], 'DNS server follows');
      assert.match(lease.staticRoutes ?? '', new RegExp(`169\\.254\\.169\\.254/32 ${v4.replace(/\./g, '\\.')}`));
      assert.equal((await agent.readNetwork(host, spec(node, v4, v6)))?.drift.length, 0);
    });
  }
});
