/**
 * Issue 12 item 2: router advertisements where no router exists (`ipv6RouterAdvertisements`).
 * A lab VM that takes RAs as a host does (accept_ra=1, autoconf=1, not forwarding) sits on an
 * isolated network (no gateway, no router) with an IPv6 subnet. Off (neutron's behaviour), dnsmasq
 * sends no RA and the VM forms no address; on, the VM forms its SLAAC address — the EUI-64
 * address of its MAC in the /64 — learns the prefix on-link and gets no default route (router
 * lifetime 0: the DHCP namespace routes nothing). The RA itself is read with rdisc6.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { SshPool, type SshHost } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { dhclient6, disableDad } from '../../src/lab/dhcp6';
import { acceptRouterAdvertisements, globalAddresses6, routes6, solicitRouterAdvertisement, waitForGlobalAddress6 } from '../../src/lab/ra';
import type { NetworkSpec } from '../../src/agent';
import { eui64Address } from '../../src/model/ip';
import type { AgentOptions, Ipv6Mode } from '../../src/model/types';
import { shq } from '../../src/host/quote';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'rav6';
const skip = labUnavailableReason();
const NET = 'ea000000-0000-4000-8000-000000000001';
const SUBNET6 = 'ea000000-0000-4000-8000-0000000000a6';
const PORT = 'ea000000-0000-4000-8000-0000000000c1';
const CIDR6 = 'fd00:ea::/64';
const VM_MAC = 'fa:16:3e:ea:00:0a';
const VM_IP = '172.16.0.10';
const DNS6 = ['fd00:ea::53'];
const DOMAIN = 'ratest.example';
/** Long enough for a host's router solicitations and dnsmasq's answer several times over (the on case takes ~2 s). */
const NO_ADDRESS_WAIT_MS = 6000;

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;

/** An IPv4 subnet and an isolated IPv6 subnet (no gateway) in `mode`; the DHCP port has its EUI-64 address there. */
function spec(mode: Ipv6Mode, ra: boolean, options: Partial<AgentOptions> = {}): NetworkSpec {
  const base = networkSpec(node, { networkId: NET, options: { dnsDomain: DOMAIN, ...options } });
  const [self] = base.network.ports;
  return {
    ...base,
    network: {
      ...base.network,
      ipv6RouterAdvertisements: ra,
      subnets: [
        ...base.network.subnets,
        {
          id: SUBNET6,
          cidr: CIDR6,
          ipVersion: 6,
          gatewayIp: null,
          enableDhcp: true,
          dnsNameservers: DNS6,
          hostRoutes: [],
          allocationPools: [],
          ipv6AddressMode: mode,
          ipv6RaMode: null,
        },
      ],
      ports: [{ ...self, fixedIps: [...self.fixedIps, { subnetId: SUBNET6, ipAddress: eui64Address(CIDR6, self.macAddress)! }] }],
    },
  };
}

/** The VM's port, with the address neutron gives it on a SLAAC or stateless subnet (EUI-64), or a fixed one (stateful). */
function vmPort(mode: Ipv6Mode) {
  const s = spec(mode, true);
  const ip6 = mode === 'dhcpv6-stateful' ? 'fd00:ea::10' : eui64Address(CIDR6, VM_MAC)!;
  return portSpec(s, { id: PORT, macAddress: VM_MAC, ip: VM_IP, fixedIps: [{ subnetId: s.network.subnets[0].id, ipAddress: VM_IP }, { subnetId: SUBNET6, ipAddress: ip6 }] });
}

/** Applies the network and the VM's port; returns dnsmasq's pid. */
async function serve(mode: Ipv6Mode, ra: boolean): Promise<number | null> {
  const st = await agent.applyNetwork(host, spec(mode, ra));
  assert.deepEqual(st.drift, []);
  await agent.applyPort(host, vmPort(mode));
  return st.dnsmasqPid;
}

describe('IPv6 router advertisements where no router exists (ipv6RouterAdvertisements)', { skip }, () => {
  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  let pidOff: number | null = null;

  it('off (neutron): a slaac subnet gets no RA, and a host that takes RAs forms no address', async (t) => {
    pidOff = await serve('slaac', false);
    const vm = await lab.addVm({ node: 0, name: 'v1', mac: VM_MAC });
    try {
      const up = await acceptRouterAdvertisements(vm);
      const got = await waitForGlobalAddress6(vm, up, NO_ADDRESS_WAIT_MS);
      const ra = await solicitRouterAdvertisement(vm);
      t.diagnostic(`off: after ${NO_ADDRESS_WAIT_MS} ms global IPv6 address: ${got?.address ?? 'none'}; RA on solicitation: ${ra ? 'yes' : 'none'}`);
      assert.equal(got, null);
      assert.equal(ra, null);
      assert.ok(!(await routes6(vm)).some((r) => r.dst === CIDR6 || r.dst === 'default'));
    } finally {
      await vm.remove();
    }
  });

  it('slaac + RA: the VM forms the EUI-64 address of its MAC, the prefix is on-link, no default route (router lifetime 0)', async (t) => {
    const pidOn = await serve('slaac', true);
    // Turning RAs on changes dnsmasq's command line: a restart, not a SIGHUP.
    assert.ok(pidOff !== null && pidOn !== null && pidOn !== pidOff, `dnsmasq pid ${pidOff} → ${pidOn}`);
    const vm = await lab.addVm({ node: 0, name: 'v2', mac: VM_MAC });
    try {
      const up = await acceptRouterAdvertisements(vm);
      const got = await waitForGlobalAddress6(vm, up, 15_000);
      const ra = await solicitRouterAdvertisement(vm);
      const routes = await routes6(vm);
      t.diagnostic(`slaac: ${got?.address}/${got?.prefixLength} usable ${got?.ms} ms after link up; RA from ${ra?.from}: M=${ra?.managed} O=${ra?.other} router lifetime ${ra?.routerLifetimeSeconds} s, prefixes ${JSON.stringify(ra?.prefixes)}, RDNSS ${ra?.dnsServers.join(' ')}, MTU ${ra?.mtu}`);
      t.diagnostic(`slaac: routes ${routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} proto ${r.protocol}`).join('; ')}`);
      assert.ok(got, 'a SLAAC address');
      assert.equal(got.address, eui64Address(CIDR6, VM_MAC));
      assert.equal(got.prefixLength, 64);
      assert.ok(ra, 'an RA answers a solicitation');
      // Sent by the DHCP port: the source's interface id is its MAC's EUI-64. The kernel only takes
      // RAs from link-local sources (and it formed the address); rdisc6's solicited answer came
      // from fe80::<id> in the helper's runs and once, in CI, from the port's own fd00:ea::<id>.
      const dhcpMac = spec('slaac', true).network.ports[0].macAddress;
      assert.ok([eui64Address('fe80::/64', dhcpMac), eui64Address(CIDR6, dhcpMac)].includes(ra.from), `RA from ${ra.from}: one of the DHCP port's own addresses`);
      assert.equal(ra.managed, false);
      assert.equal(ra.other, false);
      assert.equal(ra.routerLifetimeSeconds, 0);
      assert.deepEqual(ra.prefixes.map((p) => [p.prefix, p.onLink, p.autonomous, p.validSeconds]), [[CIDR6, true, true, 86400]]);
      assert.ok(routes.some((r) => r.dst === CIDR6 && r.dev === vm.interfaceName), 'the prefix is on-link');
      assert.ok(!routes.some((r) => r.dst === 'default'), 'no default route through the DHCP server');
    } finally {
      await vm.remove();
    }
  });

  it('dhcpv6-stateless + RA: the SLAAC address, and DNS servers and domain from DHCPv6 (dhclient -6 -S)', async (t) => {
    await serve('dhcpv6-stateless', true);
    const vm = await lab.addVm({ node: 0, name: 'v3', mac: VM_MAC });
    try {
      const up = await acceptRouterAdvertisements(vm);
      const got = await waitForGlobalAddress6(vm, up, 15_000);
      const ra = await solicitRouterAdvertisement(vm);
      const v6 = await dhclient6(vm, { mode: 'stateless' });
      t.diagnostic(`stateless: ${got?.address} usable ${got?.ms} ms after link up; RA M=${ra?.managed} O=${ra?.other} lifetime ${ra?.routerLifetimeSeconds}; dhclient -6 -S ${v6.ms} ms: dns ${v6.dns.join(' ')}, search ${v6.domainSearch.join(' ')}`);
      assert.ok(got, 'a SLAAC address');
      assert.equal(got.address, eui64Address(CIDR6, VM_MAC));
      assert.ok(ra);
      assert.equal(ra.managed, false);
      assert.equal(ra.other, true);
      assert.equal(ra.routerLifetimeSeconds, 0);
      assert.deepEqual(ra.prefixes.map((p) => [p.prefix, p.autonomous]), [[CIDR6, true]]);
      assert.equal(v6.address, undefined);
      assert.deepEqual(v6.dns, DNS6);
      assert.deepEqual(v6.domainSearch, [`${DOMAIN}.`]);
    } finally {
      await vm.remove();
    }
  });

  it('dhcpv6-stateful + RA: managed (M flag), the prefix on-link but not for SLAAC; the address comes from DHCPv6', async (t) => {
    await serve('dhcpv6-stateful', true);
    const vm = await lab.addVm({ node: 0, name: 'v4', mac: VM_MAC });
    try {
      await acceptRouterAdvertisements(vm);
      // dhclient -6 binds to the link-local address: usable at once without DAD.
      await disableDad(vm);
      const ra = await solicitRouterAdvertisement(vm);
      const v6 = await dhclient6(vm, { mode: 'stateful' });
      const slaac = (await globalAddresses6(vm)).map((a) => a.address);
      t.diagnostic(`stateful: RA M=${ra?.managed} O=${ra?.other} lifetime ${ra?.routerLifetimeSeconds} prefixes ${JSON.stringify(ra?.prefixes)}; dhclient -6 ${v6.ms} ms: ${v6.address}; kernel-made global addresses: ${slaac.join(' ') || 'none'}`);
      assert.ok(ra);
      assert.equal(ra.managed, true);
      assert.equal(ra.routerLifetimeSeconds, 0);
      assert.deepEqual(ra.prefixes.map((p) => [p.prefix, p.onLink, p.autonomous]), [[CIDR6, true, false]]);
      assert.equal(v6.address, 'fd00:ea::10');
      // dhclient's recording script configures nothing, and the RA gave no SLAAC address.
      assert.deepEqual(slaac, []);
    } finally {
      await vm.remove();
    }
  });

  it('dnsmasq_enable_addr6_list: a port\'s two stateful addresses on one host line; dhclient -6 gets one of them', async (t) => {
    const addresses = ['fd00:ea::20', 'fd00:ea::21'];
    const net = spec('dhcpv6-stateful', false, { dnsmasqEnableAddr6List: true });
    assert.deepEqual((await agent.applyNetwork(host, net)).drift, []);
    await agent.applyPort(
      host,
      portSpec(net, { id: PORT, macAddress: VM_MAC, ip: VM_IP, fixedIps: [{ subnetId: net.network.subnets[0].id, ipAddress: VM_IP }, ...addresses.map((ipAddress) => ({ subnetId: SUBNET6, ipAddress }))] }),
    );
    const hostFile = await host.run(`cat ${shq(`${node.statePath}/dhcp/${NET}/host`)}`);
    const line = hostFile.stdout.split('\n').find((l) => l.includes('fd00:ea::'));
    assert.equal(line, `${VM_MAC},tag:dhcpv6,host-fd00-ea--20.${DOMAIN},[fd00:ea::20],[fd00:ea::21]`);
    const vm = await lab.addVm({ node: 0, name: 'v5', mac: VM_MAC });
    try {
      await disableDad(vm);
      const v6 = await dhclient6(vm, { mode: 'stateful' });
      t.diagnostic(`addr6 list: host line ${line}; dhclient -6 ${v6.ms} ms: ${v6.address}`);
      assert.ok(v6.address !== undefined && addresses.includes(v6.address), `got ${v6.address}`);
    } finally {
      await vm.remove();
    }
  });
});
