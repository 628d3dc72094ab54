/**
 * Issue 12 item 1: DHCPv6 to a real client. A lab VM runs ISC `dhclient -6` against the
 * network's dnsmasq: a `dhcpv6-stateful` subnet gives the port's fixed address, the DNS
 * servers and the domain search list; a `dhcpv6-stateless` subnet gives DNS servers and domain
 * but no address; a port's `option6:` extra option reaches the client; a dual-stack port gets
 * its IPv4 lease (udhcpc) and its IPv6 address at once. DAD is switched off on the VM's
 * interface (see disableDad) so its link-local address is usable at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { SshPool, type SshHost } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { dhclient6, dhclientVersion, disableDad } from '../../src/lab/dhcp6';
import type { NetworkSpec } from '../../src/agent';
import type { Ipv6Mode } from '../../src/model/types';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { dualStackSpec, portSpec, SUBNET6_ID } from '../support/specs';

const LAB = 'd6v6';
const skip = labUnavailableReason();
const NET = 'd6000000-0000-4000-8000-000000000001';
const PORT = 'd6000000-0000-4000-8000-0000000000c1';
const VM_MAC = 'fa:16:3e:d6:00:0a';
const VM_IP = '172.16.0.10';
const VM_IP6 = 'fd00:d6::10';
/** The EUI-64 address of VM_MAC in fd00:d6::/64. */
const VM_EUI64 = 'fd00:d6::f816:3eff:fed6:a';
const DNS6 = ['fd00:d6::53', 'fd00:d6::54'];
const DOMAIN = 'd6test.example';

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;

/** An IPv4 subnet and an IPv6 subnet in `mode` with two DNS servers; the DHCP port has an address on each. */
function spec(mode: Ipv6Mode): NetworkSpec {
  return dualStackSpec(node, { networkId: NET, mode, dnsServers: DNS6, v4: '172.16.0.2', v6: 'fd00:d6::2', options: { dnsDomain: DOMAIN } });
}

/**
 * The VM's port: both families (in stateless mode its EUI-64 address, as neutron gives a port
 * on such a subnet), and an IPv6 extra option (SNTP server, option 31).
 */
function vmPort(mode: Ipv6Mode) {
  const s = spec(mode);
  return portSpec(s, {
    id: PORT,
    macAddress: VM_MAC,
    ip: VM_IP,
    fixedIps: [
      { subnetId: s.network.subnets[0].id, ipAddress: VM_IP },
      { subnetId: SUBNET6_ID, ipAddress: mode === 'dhcpv6-stateful' ? VM_IP6 : VM_EUI64 },
    ],
    extraDhcpOpts: [{ optName: 'sntp-server', optValue: '[fd00:d6::123]', ipVersion: 6 }],
  });
}

describe('DHCPv6 to a real client (dhclient -6)', { skip }, () => {
  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('dhcpv6-stateful: the fixed address, DNS servers, domain and the option6 extra option; dual stack at once', async (t) => {
    t.diagnostic(`client: ${await dhclientVersion()}`);
    assert.deepEqual((await agent.applyNetwork(host, spec('dhcpv6-stateful'))).drift, []);
    await agent.applyPort(host, vmPort('dhcpv6-stateful'));
    const vm = await lab.addVm({ node: 0, name: 'v1', mac: VM_MAC });
    await disableDad(vm);
    const [v4, v6] = await Promise.all([vm.dhcp({ timeoutMs: 10_000 }), dhclient6(vm, { mode: 'stateful', extra: ['dhcp6.sntp-servers'] })]);
    t.diagnostic(`dhclient -6 stateful: ${v6.ms} ms, reason ${v6.reason}, address ${v6.address}, dns ${v6.dns.join(' ')}, search ${v6.domainSearch.join(' ')}, sntp ${v6.raw.new_dhcp6_sntp_servers}`);
    assert.equal(v4.ip, VM_IP);
    assert.equal(v6.address, VM_IP6);
    assert.deepEqual(v6.dns, DNS6);
    assert.deepEqual(v6.domainSearch, [`${DOMAIN}.`]);
    assert.equal(v6.raw.new_dhcp6_sntp_servers, 'fd00:d6::123');
    await vm.remove();
  });

  it('dhcpv6-stateless: DNS servers, domain and the option6 extra option, no address', async (t) => {
    assert.deepEqual((await agent.applyNetwork(host, spec('dhcpv6-stateless'))).drift, []);
    await agent.applyPort(host, vmPort('dhcpv6-stateless'));
    const vm = await lab.addVm({ node: 0, name: 'v2', mac: VM_MAC });
    await disableDad(vm);
    const v6 = await dhclient6(vm, { mode: 'stateless', extra: ['dhcp6.sntp-servers'] });
    t.diagnostic(`dhclient -6 -S stateless: ${v6.ms} ms, reason ${v6.reason}, dns ${v6.dns.join(' ')}, search ${v6.domainSearch.join(' ')}, sntp ${v6.raw.new_dhcp6_sntp_servers}`);
    assert.equal(v6.address, undefined);
    assert.deepEqual(v6.dns, DNS6);
    assert.deepEqual(v6.domainSearch, [`${DOMAIN}.`]);
    assert.equal(v6.raw.new_dhcp6_sntp_servers, 'fd00:d6::123');
    await vm.remove();
  });
});
