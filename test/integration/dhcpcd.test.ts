/**
 * Issue 12 item 1, second part: dhcpcd (Debian dhcpcd-base) as a VM's DHCP client against the
 * network's dnsmasq, for every IPv6 address mode the model accepts, and neutron's `client-id`
 * reservations. No router advertisements are sent (neutron leaves them to its L3 agent): dhcpcd
 * is told to do DHCPv6 without waiting for one (src/lab/dhcpcd.ts). DAD is off on the VMs'
 * interfaces (see disableDad).
 *
 * - `dhcpv6-stateful` and unset: the fixed address, DNS servers, domain search, `option6:`.
 * - A DHCPv6 lease belongs to the client's DUID (and IAID), not to the MAC: while one client
 *   holds a port's address, a client of the same MAC with another DUID is answered "no addresses
 *   available" (what an earlier dhcpcd attempt met after a dhclient run).
 * - `dhcpv6-stateless`: DNS servers, domain search and the port's `option6:` (the port has its
 *   EUI-64 address on the subnet, as neutron gives it); no address.
 * - `slaac`: dnsmasq has no DHCPv6 range for the subnet and answers nothing.
 * - `client-id`: a VM whose MAC is no port's gets the fixed addresses of the port whose
 *   `client-id` it presents (as DUID for DHCPv6, as client identifier for DHCPv4).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { SshPool, type SshHost } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { disableDad } from '../../src/lab/dhcp6';
import { dhcpcd, dhcpcdVersion, type DhcpcdResult } from '../../src/lab/dhcpcd';
import type { LabVm } from '../../src/lab/vm';
import type { NetworkSpec, PortSpec } from '../../src/agent';
import type { Ipv6Mode } from '../../src/model/types';
import { inNetns } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { dualStackSpec, portSpec, SUBNET6_ID, SUBNET_ID } from '../support/specs';

const LAB = 'v6cdc';
const skip = labUnavailableReason();
const NET = 'c6000000-0000-4000-8000-000000000001';
const DNS6 = ['fd00:c6::53', 'fd00:c6::54'];
const DOMAIN = 'v6c.example';
/**
 * The VM's port: MAC, IPv4, its IPv6 address in each mode: a fixed one (stateful; another with
 * the mode unset, as the stateful lease of the first stays held), its EUI-64 one (slaac,
 * stateless: neutron gives a port that address).
 */
const VM = { id: 'c6000000-0000-4000-8000-0000000000c1', mac: 'fa:16:3e:c6:00:0a', ip: '172.16.0.10', ip6: 'fd00:c6::10', ip6Unset: 'fd00:c6::11', eui64: 'fd00:c6::f816:3eff:fec6:a' };

/** The VM port's IPv6 address in `mode`. */
function vmIp6(mode: Ipv6Mode | null): string {
  if (mode === 'slaac' || mode === 'dhcpv6-stateless') return VM.eui64;
  return mode === null ? VM.ip6Unset : VM.ip6;
}
/** A port reserved by client-id (a DUID-UUID); no VM has its MAC. */
const RESERVED = { id: 'c6000000-0000-4000-8000-0000000000c2', mac: 'fa:16:3e:c6:00:20', ip: '172.16.0.20', ip6: 'fd00:c6::20', clientId: '00:04:c6:c6:c6:c6:00:00:40:00:80:00:00:00:00:00:00:20' };
/** The MAC of the VM that presents the reserved client-id. */
const STRANGER_MAC = 'fa:16:3e:c6:00:99';
const SNTP6 = 'fd00:c6::123';

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;
let vmCount = 0;

function spec(mode: Ipv6Mode | null): NetworkSpec {
  return dualStackSpec(node, { networkId: NET, mode, dnsServers: DNS6, v4: '172.16.0.2', v6: 'fd00:c6::2', options: { dnsDomain: DOMAIN } });
}

/** The VM's port on `net`: its IPv6 address as neutron would give it in that mode, and an IPv6 extra option (SNTP server, option 31). */
function vmPort(net: NetworkSpec, mode: Ipv6Mode | null): PortSpec {
  return portSpec(net, {
    id: VM.id,
    macAddress: VM.mac,
    ip: VM.ip,
    fixedIps: [
      { subnetId: SUBNET_ID, ipAddress: VM.ip },
      { subnetId: SUBNET6_ID, ipAddress: vmIp6(mode) },
    ],
    extraDhcpOpts: [{ optName: 'sntp-server', optValue: `[${SNTP6}]`, ipVersion: 6 }],
  });
}

/** Serves the network in `mode` with the VM's port and the reserved port. */
async function serve(mode: Ipv6Mode | null): Promise<void> {
  const net = spec(mode);
  assert.deepEqual((await agent.applyNetwork(host, net)).drift, []);
  await agent.applyPort(host, vmPort(net, mode));
  await agent.applyPort(
    host,
    portSpec(net, {
      id: RESERVED.id,
      macAddress: RESERVED.mac,
      ip: RESERVED.ip,
      fixedIps: [
        { subnetId: SUBNET_ID, ipAddress: RESERVED.ip },
        { subnetId: SUBNET6_ID, ipAddress: RESERVED.ip6 },
      ],
      extraDhcpOpts: [{ optName: 'client-id', optValue: RESERVED.clientId, ipVersion: 4 }],
    }),
  );
}

async function newVm(mac = VM.mac): Promise<LabVm> {
  const vm = await lab.addVm({ node: 0, name: `v${vmCount++}`, mac });
  await disableDad(vm);
  return vm;
}

function describeRun(r: DhcpcdResult): string {
  const said = r.reason ? `${r.reason}, address ${r.address ?? 'none'}, dns ${r.dns.join(' ') || 'none'}, search ${r.domainSearch.join(' ') || 'none'}, sntp ${r.raw.new_dhcp6_sntp_servers ?? 'none'}` : `no answer; dhcpcd said: ${lastLines(r.log)}`;
  return `dhcpcd ${r.mode}: ${r.ms} ms, ${r.duid ? `DUID ${r.duid}, ` : ''}${said}`;
}

/** dhcpcd's last log lines about the exchange. */
function lastLines(log: string): string {
  return log
    .split('\n')
    .filter((l) => /SOLICIT|INFORM6|REPLY|ADV|DISCOVER|OFFER|timed out/.test(l) && !/executing/.test(l))
    .slice(-3)
    .join(' | ');
}

describe('dhcpcd against the network’s dnsmasq: IPv6 modes and client-id reservations', { skip }, () => {
  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('dhcpv6-stateful: the fixed address, DNS servers, domain search and option6 (the options to an Information-request too); another DUID of the same MAC gets no address meanwhile', async (t) => {
    t.diagnostic(`client: ${await dhcpcdVersion()}`);
    await serve('dhcpv6-stateful');
    const vm = await newVm();
    const got = await dhcpcd(vm, { mode: 'stateful', extra: ['dhcp6_sntp_servers'] });
    t.diagnostic(describeRun(got));
    assert.equal(got.reason, 'BOUND6', got.log);
    assert.equal(got.address, VM.ip6);
    assert.deepEqual(got.dns, DNS6);
    assert.deepEqual(got.domainSearch, [DOMAIN]);
    assert.equal(got.raw.new_dhcp6_sntp_servers, SNTP6);
    // A client told to ask for information only (an RA's O flag without M) gets the same options.
    const info = await dhcpcd(vm, { mode: 'stateless', extra: ['dhcp6_sntp_servers'] });
    t.diagnostic(describeRun(info));
    assert.equal(info.reason, 'INFORM6', info.log);
    assert.deepEqual([info.address, info.dns, info.domainSearch, info.raw.new_dhcp6_sntp_servers], [undefined, DNS6, [DOMAIN], SNTP6]);
    await vm.remove();

    // The same port (MAC) from a client with another DUID (DUID-LL of the MAC): the address is
    // leased to the first DUID until that lease ends, whatever the MAC.
    const again = await newVm();
    const other = await dhcpcd(again, { mode: 'stateful', duid: `00:03:00:01:${VM.mac}`, timeoutMs: 3000 });
    t.diagnostic(describeRun(other));
    assert.equal(other.address, undefined);
    assert.match(other.log, /no addresses available/);
    await again.remove();
  });

  it('address mode unset: as dhcpv6-stateful (the fixed address, DNS servers, domain search)', async (t) => {
    await serve(null);
    const vm = await newVm();
    const got = await dhcpcd(vm, { mode: 'stateful' });
    t.diagnostic(describeRun(got));
    assert.equal(got.address, VM.ip6Unset, got.log);
    assert.deepEqual(got.dns, DNS6);
    assert.deepEqual(got.domainSearch, [DOMAIN]);
    await vm.remove();
  });

  it('dhcpv6-stateless: DNS servers, domain search and option6 to an Information-request; no address to a Solicit', async (t) => {
    await serve('dhcpv6-stateless');
    // The line that tags the port's clients for its options exists because the port has an
    // address on the subnet (neutron's rendering; without one the option6 never reaches them).
    const tagLine = readFileSync(`${node.statePath}/dhcp/${NET}/host`, 'utf8').split('\n').find((l) => l.startsWith(`${VM.mac},tag:dhcpv6,`));
    t.diagnostic(`host line of the VM's stateless address: ${tagLine}`);
    assert.equal(tagLine, `${VM.mac},tag:dhcpv6,set:port-${VM.id}`);
    const vm = await newVm();
    const info = await dhcpcd(vm, { mode: 'stateless', extra: ['dhcp6_sntp_servers'] });
    t.diagnostic(describeRun(info));
    assert.equal(info.reason, 'INFORM6', info.log);
    assert.deepEqual(info.dns, DNS6);
    assert.deepEqual(info.domainSearch, [DOMAIN]);
    assert.equal(info.raw.new_dhcp6_sntp_servers, SNTP6);
    const solicit = await dhcpcd(vm, { mode: 'stateful', timeoutMs: 3000 });
    t.diagnostic(describeRun(solicit));
    assert.equal(solicit.address, undefined);
    await vm.remove();
  });

  it('slaac: no DHCPv6 answer at all (dnsmasq has no DHCPv6 range for the subnet)', async (t) => {
    await serve('slaac');
    t.diagnostic(`dnsmasq's DHCPv6 port 547 in the namespace: ${inNetns(`qdhcp-${NET}`, 'ss -Hlnu sport = :547').trim() || 'not listened on'}`);
    const vm = await newVm();
    const solicit = await dhcpcd(vm, { mode: 'stateful', timeoutMs: 3000 });
    t.diagnostic(describeRun(solicit));
    assert.equal(solicit.reason, undefined);
    const info = await dhcpcd(vm, { mode: 'stateless', timeoutMs: 3000 });
    t.diagnostic(describeRun(info));
    assert.equal(info.reason, undefined);
    await vm.remove();
  });

  it('client-id: a VM with another MAC presenting the port’s client-id gets its fixed addresses (DHCPv4 and DHCPv6)', async (t) => {
    await serve('dhcpv6-stateful');
    const vm = await newVm(STRANGER_MAC);
    // Without the client-id the VM is nobody's: no address (asked first, as dnsmasq would then
    // find the lease the client-id run made by the VM's MAC).
    const anon = await dhcpcd(vm, { mode: 'ipv4', timeoutMs: 3000 });
    t.diagnostic(describeRun(anon));
    assert.equal(anon.address, undefined);
    const [v4, v6] = await Promise.all([
      dhcpcd(vm, { mode: 'ipv4', clientId: RESERVED.clientId }),
      dhcpcd(vm, { mode: 'stateful', duid: RESERVED.clientId }),
    ]);
    t.diagnostic(describeRun(v4));
    t.diagnostic(describeRun(v6));
    assert.equal(v4.address, RESERVED.ip, v4.log);
    assert.equal(v6.address, RESERVED.ip6, v6.log);
    await vm.remove();
  });
});
