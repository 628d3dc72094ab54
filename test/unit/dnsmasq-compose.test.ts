import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addnHostsLinesForPort,
  dhcpServerDnsOptLines,
  hostLinesForPort,
  leaseFilePreamble,
  leaseLinesForPort,
  networkPaths,
  optLinesForPort,
  renderNetwork,
  subnetOptLines,
  type RenderContext,
} from '../../src/dnsmasq/index';
import { addressAt } from '../../src/model/ip';
import { DEFAULT_AGENT_OPTIONS } from '../../src/model/types';
import type { ExtraDhcpOpt, Ipv6Mode, Port, Subnet } from '../../src/model/types';

const CIDRS = ['10.0.0.0/24', '10.0.1.0/24', '192.168.5.0/28', 'fd00:1::/64', 'fd00:2::/64', 'fd00:4::/56'];
const MODES: (Ipv6Mode | null)[] = [null, 'slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];
const OWNERS = ['', 'compute:nova', 'network:dhcp', 'network:router_interface', 'network:router_ha_interface', 'network:floatingip'];
const OPTS: ExtraDhcpOpt[] = [
  { optName: 'client-id', optValue: 'cid', ipVersion: 4 },
  { optName: 'tftp-server', optValue: '10.0.0.9', ipVersion: 4 },
  { optName: 'tag:ipxe,bootfile-name', optValue: 'http://boot/x.ipxe', ipVersion: 4 },
  { optName: '67', optValue: 'pxelinux.0', ipVersion: 4 },
  { optName: 'dns-server', optValue: 'fd00:1::53', ipVersion: 6 },
];

const subnetArb = (cidr: string, i: number): fc.Arbitrary<Subnet> => {
  const v = cidr.includes(':') ? 6 : 4;
  return fc
    .record({ dhcp: fc.boolean(), gw: fc.boolean(), dns: fc.constantFrom([], v === 4 ? ['8.8.8.8'] : ['::']), am: fc.constantFrom(...MODES), ra: fc.constantFrom(...MODES), defRoute: fc.boolean() })
    .map((r) => ({
      id: `s${i}`,
      cidr,
      ipVersion: v,
      gatewayIp: r.gw ? addressAt(cidr, 1n) : null,
      enableDhcp: r.dhcp,
      dnsNameservers: r.dns,
      hostRoutes: v === 4 && r.defRoute ? [{ destination: '0.0.0.0/0', nexthop: addressAt(cidr, 13n)! }] : [],
      allocationPools: [],
      ipv6AddressMode: v === 6 ? r.am : null,
      ipv6RaMode: v === 6 ? r.ra : null,
    }));
};

const ctxArb: fc.Arbitrary<RenderContext> = fc
  .subarray(CIDRS, { minLength: 1 })
  .chain((cidrs) => fc.tuple(...cidrs.map((c, i) => subnetArb(c, i))))
  .chain((subnets) => {
    const fip = fc.tuple(fc.nat(subnets.length - 1), fc.integer({ min: 1, max: 6 })).map(([i, off]) => ({ subnetId: subnets[i].id, ipAddress: addressAt(subnets[i].cidr, BigInt(off))! }));
    const portArb = (j: number): fc.Arbitrary<Port> =>
      fc
        .record({ owner: fc.constantFrom(...OWNERS), fixedIps: fc.array(fip, { maxLength: 3 }), opts: fc.subarray(OPTS), named: fc.boolean() })
        .map((r) => ({
          id: `p${j}`,
          macAddress: `fa:16:3e:00:00:${j.toString(16).padStart(2, '0')}`,
          deviceOwner: r.owner,
          fixedIps: r.fixedIps,
          extraDhcpOpts: r.opts,
          dnsAssignment: r.named ? r.fixedIps.map((f) => ({ hostname: `vm${j}`, ipAddress: f.ipAddress, fqdn: `vm${j}.example.org.` })) : undefined,
        }));
    return fc.record({
      subnets: fc.constant(subnets),
      ports: fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, j) => portArb(j)))),
      iso: fc.boolean(),
      force: fc.boolean(),
      lease: fc.constantFrom(86400, -1),
      addr6: fc.boolean(),
      self: fc.nat(5),
      existing: fc.constantFrom(undefined, 'duid 00:01\n1 2 fd00:1::3 * 00:02\n'),
    });
  })
  .map((r) => ({
    network: { id: 'net', subnets: r.subnets, ports: r.ports },
    options: { ...DEFAULT_AGENT_OPTIONS, enableIsolatedMetadata: r.iso, forceMetadata: r.force, dhcpLeaseDuration: r.lease, dnsmasqEnableAddr6List: r.addr6 },
    selfDhcpPortId: r.ports.length ? `p${r.self % r.ports.length}` : undefined,
    existingLeases: r.existing,
  }));

test('full files are the compositions of their parts, and renderers never throw on valid input', () => {
  fc.assert(
    fc.property(ctxArb, (ctx) => {
      const ports = ctx.network.ports;
      const out = renderNetwork(ctx, networkPaths('/var/lib/dhcp-agent', 'net'), 'ns-x', 1000);
      assert.equal(out.host, ports.map((p) => hostLinesForPort(p, ctx)).join(''));
      assert.equal(out.addnHosts, ports.map((p) => addnHostsLinesForPort(p, ctx)).join(''));
      assert.equal(out.opts, [...subnetOptLines(ctx), ...ports.flatMap((p) => optLinesForPort(p, ctx)), ...dhcpServerDnsOptLines(ctx)].join('\n'));
      assert.equal(out.leases, leaseFilePreamble(ctx) + ports.map((p) => leaseLinesForPort(p, ctx, 1000)).join(''));
      for (const file of [out.host, out.addnHosts, out.leases]) assert.ok(file === '' || file.endsWith('\n'));
      assert.ok(!out.opts.endsWith('\n') && !out.opts.includes('\n\n'));
      assert.equal(out.argv[0], 'dnsmasq');
    }),
    { numRuns: 300 },
  );
});

test('per-port fragments depend only on the port, the subnets and the options', () => {
  fc.assert(
    fc.property(ctxArb, (ctx) => {
      for (const p of ctx.network.ports) {
        // The same port alone on the network (other ports, selfDhcpPortId gone) renders the same fragments.
        const alone: RenderContext = { ...ctx, selfDhcpPortId: undefined, network: { ...ctx.network, ports: [p] } };
        assert.equal(hostLinesForPort(p, alone), hostLinesForPort(p, ctx));
        assert.equal(addnHostsLinesForPort(p, alone), addnHostsLinesForPort(p, ctx));
        assert.deepEqual(optLinesForPort(p, alone), optLinesForPort(p, ctx));
        assert.equal(leaseLinesForPort(p, alone, 5), leaseLinesForPort(p, ctx, 5));
      }
    }),
    { numRuns: 200 },
  );
});

test('network-level parts ignore ports other than DHCP, router-interface and this agent\'s own port', () => {
  fc.assert(
    fc.property(ctxArb, (ctx) => {
      const relevant = ctx.network.ports.filter((p) => p.deviceOwner === 'network:dhcp' || p.deviceOwner === 'network:router_interface' || p.id === ctx.selfDhcpPortId);
      const pruned: RenderContext = { ...ctx, network: { ...ctx.network, ports: relevant } };
      assert.deepEqual(subnetOptLines(pruned), subnetOptLines(ctx));
      assert.deepEqual(dhcpServerDnsOptLines(pruned), dhcpServerDnsOptLines(ctx));
    }),
    { numRuns: 200 },
  );
});
