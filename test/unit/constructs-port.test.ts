import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fn, Testing, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { DhcpNetwork, DhcpPort, type DhcpPortProps } from '../../constructs';
import { PortResource } from '../../constructs/l1';
import { uuidV5 } from '../../src/model/naming';
import { assertRejects, literally, newNode, newStack, resourceNamed, resourcesOf, synth } from './constructs-support';

const NET_ID = '8165bc3d-400a-48a0-9186-bf59f7f94b05';
const PORT_ID = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';
const WHERE = "dhcp port 'vm' (stack/vm)";

interface Setup {
  readonly stack: TerraformStack;
  readonly net: DhcpNetwork;
}

function setup(agents = 1, enableAddr6List?: boolean): Setup {
  const stack = newStack();
  const nodes = Array.from({ length: agents }, (_, i) => newNode(stack, `n${i + 1}`, { host: `192.0.2.${i + 1}` }));
  const net = new DhcpNetwork(stack, 'net', {
    agents: nodes,
    networkId: NET_ID,
    bridge: 'br-lab',
    subnets: [
      { cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', id: 'sub-v4' },
      { cidr: 'fd00:1::/64', gatewayIp: 'fd00:1::1', id: 'sub-v6', ipv6AddressMode: 'dhcpv6-stateful', ipv6RaMode: 'dhcpv6-stateful' },
    ],
    enableAddr6List,
  });
  return { stack, net };
}

function port({ stack, net }: Setup, props: Partial<DhcpPortProps> = {}, id = 'vm'): DhcpPort {
  return new DhcpPort(stack, id, { network: net, macAddress: 'fa:16:3e:65:29:6d', fixedIps: [{ ipAddress: '10.0.0.10' }], ...props });
}

describe('DhcpPort: props → dhcpagent_port', () => {
  it('writes every prop under its snake_case name', () => {
    const s = setup();
    port(s, {
      portId: PORT_ID,
      macAddress: 'FA:16:3E:65:29:6D',
      fixedIps: [{ ipAddress: '10.0.0.10', subnetId: 'sub-v4' }, { ipAddress: 'fd00:1::10' }],
      hostname: 'vm1',
      deviceOwner: 'compute:nova',
      extraDhcpOpts: [
        { optName: 'tftp-server', optValue: '10.0.0.5' },
        { optName: 'tag:ipxe,bootfile-name', optValue: 'http://10.0.0.5/boot.ipxe', ipVersion: 4 },
        { optName: 'bootfile-url', optValue: 'http://[fd00:1::5]/boot.efi', ipVersion: 6 },
      ],
    });
    const { text, json } = synth(s.stack);
    const expected = {
      network_id: NET_ID,
      port_id: PORT_ID,
      mac_address: 'fa:16:3e:65:29:6d',
      fixed_ips: [
        { ip_address: '10.0.0.10', subnet_id: 'sub-v4' },
        { ip_address: 'fd00:1::10', subnet_id: 'sub-v6' },
      ],
      hostname: 'vm1',
      device_owner: 'compute:nova',
      extra_dhcp_opts: [
        { opt_name: 'tftp-server', opt_value: '10.0.0.5', ip_version: 4 },
        { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://10.0.0.5/boot.ipxe', ip_version: 4 },
        { opt_name: 'bootfile-url', opt_value: 'http://[fd00:1::5]/boot.efi', ip_version: 6 },
      ],
    };
    assert.ok(Testing.toHaveResourceWithProperties(text, 'dhcpagent_port', expected));
    const [r] = resourcesOf(json, 'dhcpagent_port');
    assert.deepEqual(Object.keys(r).sort(), [...Object.keys(expected), 'node', 'provider', 'depends_on'].sort());
  });

  it('defaults: derived port id, subnet found from the address, no hostname (provider: host-<ip>), no device owner, no options, option ipVersion 4', () => {
    const s = setup();
    const p = port(s, { extraDhcpOpts: [{ optName: '66', optValue: '10.0.0.5' }] });
    const [r] = resourcesOf(synth(s.stack).json, 'dhcpagent_port');
    assert.equal(r.port_id, uuidV5('port/stack/vm'));
    assert.equal(p.portId, uuidV5('port/stack/vm'));
    assert.deepEqual(r.fixed_ips, [{ ip_address: '10.0.0.10', subnet_id: 'sub-v4' }]);
    assert.equal(r.hostname, undefined);
    assert.equal(r.device_owner, undefined);
    assert.deepEqual(r.extra_dhcp_opts, [{ opt_name: '66', opt_value: '10.0.0.5', ip_version: 4 }]);
    assert.equal(p.deviceOwner, '');
    assert.equal(p.hostname, undefined);

    const t = setup();
    port(t);
    assert.equal(resourcesOf(synth(t.stack).json, 'dhcpagent_port')[0].extra_dhcp_opts, undefined);
  });

  it('exposes its values and registers with the network', () => {
    const s = setup();
    const a = port(s, { macAddress: 'FA:16:3E:00:00:01', fixedIps: [{ ipAddress: '10.0.0.11' }] }, 'a');
    const b = port(s, { macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ ipAddress: 'fd00:1::b' }] }, 'b');
    assert.deepEqual(s.net.ports, [a, b]);
    assert.equal(a.network, s.net);
    assert.equal(a.macAddress, 'fa:16:3e:00:00:01');
    assert.deepEqual(b.fixedIps, [{ ipAddress: 'fd00:1::b', subnetId: 'sub-v6' }]);
    assert.deepEqual(a.model(), { id: a.portId, macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '10.0.0.11', subnetId: 'sub-v4' }], deviceOwner: '', extraDhcpOpts: [] });
  });

  it('the same port id on two networks is fine (ids are per network)', () => {
    const s = setup();
    const other = new DhcpNetwork(s.stack, 'other', { agents: s.net.agents.slice(), bridge: 'br-lab', subnets: [{ cidr: '10.0.0.0/24' }] });
    port(s, { portId: PORT_ID }, 'a');
    new DhcpPort(s.stack, 'b', { network: other, portId: PORT_ID, macAddress: 'fa:16:3e:65:29:6d', fixedIps: [{ ipAddress: '10.0.0.10' }] });
    assert.equal(resourcesOf(synth(s.stack).json, 'dhcpagent_port').length, 2);
  });
});

describe('DhcpPort: fan-out over the agents of its network', () => {
  it('one dhcpagent_port per agent, on that agent, after the network on that agent', () => {
    const s = setup(3);
    const p = port(s);
    const { json } = synth(s.stack);
    assert.equal(resourcesOf(json, 'dhcpagent_port').length, 3);
    assert.equal(p.resources.length, 3);
    assert.ok(p.resources.every((r) => r instanceof PortResource));
    s.net.agents.forEach((agent, i) => {
      const r = resourceNamed(json, 'dhcpagent_port', `vm_on-${agent.node.id}_`);
      const networkKey = Object.keys(json.resource.dhcpagent_network).find((k) => k.startsWith(`net_on-${agent.node.id}_`));
      assert.deepEqual(r.depends_on, [`dhcpagent_network.${networkKey}`]);
      assert.deepEqual(r.node, json.resource.dhcpagent_network[networkKey!].node);
      assert.equal(p.resources[i].node.path, `stack/vm/on-${agent.node.id}`);
    });
  });

  it('the DHCP addresses avoid the addresses of ports declared after the network', () => {
    const s = setup(2);
    port(s, { fixedIps: [{ ipAddress: '10.0.0.2' }, { ipAddress: 'fd00:1::3' }] }, 'a');
    port(s, { macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ ipAddress: '10.0.0.3' }] }, 'b');
    const addresses = resourcesOf(synth(s.stack).json, 'dhcpagent_network').map((r) => r.dhcp_ip_addresses);
    assert.deepEqual(addresses, [
      ['10.0.0.4', 'fd00:1::2'],
      ['10.0.0.5', 'fd00:1::4'],
    ]);
  });
});

describe('DhcpPort: validation', () => {
  it('an address outside every subnet', () => {
    const allowed = "an IPv4 or IPv6 address inside one of the network's subnets (10.0.0.0/24, fd00:1::/64)";
    assertRejects(() => port(setup(), { fixedIps: [{ ipAddress: '192.168.1.1' }] }), { where: WHERE, path: 'fixedIps[0].ipAddress', got: '"192.168.1.1"', allowed });
    assertRejects(() => port(setup(), { fixedIps: [{ ipAddress: 'not-an-ip' }] }), { where: WHERE, path: 'fixedIps[0].ipAddress', got: '"not-an-ip"', allowed });
  });

  it('an address of the wrong subnet, an unknown subnet id, two addresses on one subnet, the broadcast address', () => {
    assertRejects(() => port(setup(), { fixedIps: [{ ipAddress: '10.0.0.10', subnetId: 'sub-v6' }] }), {
      where: WHERE,
      path: 'fixedIps[0].ipAddress',
      got: '"10.0.0.10"',
      allowed: 'an IPv6 address such as fd00::5',
    });
    assertRejects(() => port(setup(), { fixedIps: [{ ipAddress: '10.0.0.10', subnetId: 'nope' }] }), {
      where: WHERE,
      path: 'fixedIps[0].subnetId',
      got: '"nope"',
      allowed: "the id of one of the network's subnets: sub-v4, sub-v6",
    });
    assertRejects(() => port(setup(), { fixedIps: [{ ipAddress: 'fd00:1::a' }, { ipAddress: 'fd00:1:0::A' }] }), {
      where: WHERE,
      path: 'fixedIps[1].ipAddress',
      got: '"fd00:1:0::A"',
      allowed: "an address not already listed in this port's fixedIps",
    });
    assertRejects(() => port(setup(), { fixedIps: [{ ipAddress: '10.0.0.255' }] }), {
      where: WHERE,
      path: 'fixedIps[0].ipAddress',
      got: '"10.0.0.255"',
      allowed: 'an address of 10.0.0.0/24 other than its network address 10.0.0.0 and broadcast address 10.0.0.255',
    });
  });

  it('an address or MAC another port of the network has: names that port by construct path', () => {
    const s = setup();
    port(s, {}, 'vm1');
    assertRejects(() => port(s, { macAddress: 'fa:16:3e:00:00:02' }, 'vm2'), {
      where: "dhcp port 'vm2' (stack/vm2)",
      path: 'fixedIps[0].ipAddress',
      got: '"10.0.0.10"',
      allowed: 'an address not used by another port of the network (port stack/vm1 has it)',
    });
    assertRejects(() => port(s, { macAddress: 'FA:16:3E:65:29:6D', fixedIps: [{ ipAddress: '10.0.0.11' }] }, 'vm3'), {
      where: "dhcp port 'vm3' (stack/vm3)",
      path: 'macAddress',
      got: '"fa:16:3e:65:29:6d"',
      allowed: 'a MAC address not used by another port of the network (port stack/vm1 has it)',
    });
  });

  it("an address or MAC of an agent's DHCP port: names the agent", () => {
    const stack = newStack();
    const node = newNode(stack);
    const net = new DhcpNetwork(stack, 'net', {
      agents: [node],
      bridge: 'br0',
      subnets: [{ cidr: '10.0.0.0/24' }],
      dhcpPorts: [{ macAddress: 'fa:16:3e:aa:aa:aa', ipAddresses: ['10.0.0.2'] }],
    });
    assertRejects(
      () => new DhcpPort(stack, 'vm', { network: net, macAddress: 'fa:16:3e:aa:aa:aa', fixedIps: [{ ipAddress: '10.0.0.2' }] }),
      { where: WHERE, path: 'macAddress', got: '"fa:16:3e:aa:aa:aa"', allowed: 'a MAC address not used by another port of the network (the DHCP port of agent stack/n1 has it)' },
      { where: WHERE, path: 'fixedIps[0].ipAddress', got: '"10.0.0.2"', allowed: 'an address not used by another port of the network (the DHCP port of agent stack/n1 has it)' },
    );
  });

  it('a port on another network may reuse addresses and MACs', () => {
    const s = setup();
    port(s);
    const other = new DhcpNetwork(s.stack, 'other', { agents: s.net.agents.slice(), bridge: 'br-lab', subnets: [{ cidr: '10.0.0.0/24' }] });
    assert.doesNotThrow(() => new DhcpPort(s.stack, 'vm-b', { network: other, macAddress: 'fa:16:3e:65:29:6d', fixedIps: [{ ipAddress: '10.0.0.10' }] }));
  });

  it('MAC address', () => {
    assertRejects(() => port(setup(), { macAddress: 'zz:16:3e:00:00:01' }), {
      where: WHERE,
      path: 'macAddress',
      got: '"zz:16:3e:00:00:01"',
      allowed: 'a MAC address written as six colon-separated pairs of hex digits, e.g. fa:16:3e:12:34:56',
    });
    assertRejects(() => port(setup(), { macAddress: '00:00:00:00:00:00' }), {
      where: WHERE,
      path: 'macAddress',
      got: '"00:00:00:00:00:00"',
      allowed: 'a MAC address written as six colon-separated pairs of hex digits, e.g. fa:16:3e:12:34:56, other than 00:00:00:00:00:00',
    });
  });

  it('hostname', () => {
    for (const hostname of ['vm_1', '-vm', 'vm.example.org', '']) {
      assertRejects(() => port(setup(), { hostname }), {
        where: WHERE,
        path: 'hostname',
        got: JSON.stringify(hostname),
        allowed: 'a hostname: one DNS label of 1–63 letters, digits or "-", not starting or ending with "-"',
      });
    }
  });

  it('port id', () => {
    assertRejects(() => port(setup(), { portId: 'BAD' }), { where: WHERE, path: 'id', got: '"BAD"', allowed: 'an id: a UUID (8-4-4-4-12 hex digits) or 1–36 characters of a–z, 0–9 and "-"' });
  });

  it('unknown DHCP option names, per IP version', () => {
    assertRejects(() => port(setup(), { extraDhcpOpts: [{ optName: 'no-such-option', optValue: 'x' }] }), {
      where: WHERE,
      path: 'extraDhcpOpts[0].optName',
      got: '"no-such-option"',
      allowed: /^a DHCPv4 option name known to dnsmasq \(as listed by `dnsmasq --help dhcp`, e\.g\. "tftp-server"\)/,
    });
    assertRejects(() => port(setup(), { extraDhcpOpts: [{ optName: 'tftp-server', optValue: '10.0.0.5', ipVersion: 6 }] }), {
      where: WHERE,
      path: 'extraDhcpOpts[0].optName',
      got: '"tftp-server"',
      allowed: /^a DHCPv6 option name known to dnsmasq/,
    });
    assertRejects(() => port(setup(), { extraDhcpOpts: [{ optName: 'option:tftp-server', optValue: '10.0.0.5' }] }), {
      where: WHERE,
      path: 'extraDhcpOpts[0].optName',
      got: '"option:tftp-server"',
      allowed: literally('no "option:" prefix'),
    });
  });

  it('control characters and dnsmasq hazards in option values', () => {
    assertRejects(() => port(setup(), { extraDhcpOpts: [{ optName: 'tftp-server', optValue: '10.0.0.5\nx' }] }), {
      where: WHERE,
      path: 'extraDhcpOpts[0].optValue',
      got: '"10.0.0.5\\nx"',
      allowed: /^a non-empty option value with no control characters .*; found U\+000A at index 8$/,
    });
    assertRejects(() => port(setup(), { extraDhcpOpts: [{ optName: 'bootfile-name', optValue: 'a\u0000b' }] }), {
      where: WHERE,
      path: 'extraDhcpOpts[0].optValue',
      got: '"a\\u0000b"',
      allowed: /found U\+0000 at index 1$/,
    });
    assertRejects(() => port(setup(), { extraDhcpOpts: [{ optName: 'bootfile-name', optValue: 'pxe "x"' }] }), {
      where: WHERE,
      path: 'extraDhcpOpts[0].optValue',
      got: '"pxe \\"x\\""',
      allowed: /found '"' at index 4$/,
    });
  });

  it('control characters in the device owner', () => {
    assertRejects(() => port(setup(), { deviceOwner: 'compute:\tnova' }), {
      where: WHERE,
      path: 'deviceOwner',
      got: '"compute:\\tnova"',
      allowed: /^text with no control characters .*; found U\+0009 at index 8$/,
    });
  });

  it('reports every problem at once', () => {
    assertRejects(
      () => port(setup(), { macAddress: 'zz', hostname: 'a_b', fixedIps: [{ ipAddress: '192.168.0.1' }], extraDhcpOpts: [{ optName: 'nope', optValue: 'x' }] }),
      { where: WHERE, path: 'hostname', got: '"a_b"', allowed: /^a hostname/ },
      { where: WHERE, path: 'fixedIps[0].ipAddress', got: '"192.168.0.1"', allowed: /^an IPv4 or IPv6 address inside one of the network's subnets/ },
      { where: WHERE, path: 'macAddress', got: '"zz"', allowed: /^a MAC address/ },
      { where: WHERE, path: 'extraDhcpOpts[0].optName', got: '"nope"', allowed: /^a DHCPv4 option name/ },
    );
  });
});

describe('DhcpPort: several addresses on one subnet (enableAddr6List)', () => {
  const twoV6 = [{ ipAddress: '10.0.0.10' }, { ipAddress: 'fd00:1::10' }, { ipAddress: 'fd00:1::11' }];
  it('refused without the network option, naming it', () => {
    assertRejects(() => port(setup(), { fixedIps: twoV6 }), { where: WHERE, path: 'fixedIps[2].ipAddress', got: '"fd00:1::11"', allowed: /at most one address per subnet unless enableAddr6List \(dnsmasq_enable_addr6_list\) is on/ });
  });
  it('accepted on a dhcpv6-stateful subnet of a network with it', () => {
    const s = setup(1, true);
    port(s, { fixedIps: twoV6 });
    const [r] = resourcesOf(synth(s.stack).json, 'dhcpagent_port');
    assert.deepEqual((r.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address), ['10.0.0.10', 'fd00:1::10', 'fd00:1::11']);
  });
});

describe('DhcpPort: tokens are not validated', () => {
  it('accepts every prop as a token and writes the references', () => {
    const s = setup();
    const v = (name: string) => new TerraformVariable(s.stack, name, { type: 'string' }).stringValue;
    port(s, {
      portId: v('port_id'),
      macAddress: v('mac'),
      fixedIps: [{ ipAddress: Fn.cidrhost('10.0.0.0/24', 10) }, { ipAddress: v('ip6'), subnetId: v('sub') }],
      hostname: Token.asString(v('hostname')),
      deviceOwner: v('owner'),
      extraDhcpOpts: [{ optName: v('opt'), optValue: v('value') }],
    });
    const [r] = resourcesOf(synth(s.stack).json, 'dhcpagent_port');
    assert.equal(r.port_id, '${var.port_id}');
    assert.equal(r.mac_address, '${var.mac}');
    assert.deepEqual(r.fixed_ips, [{ ip_address: '${cidrhost("10.0.0.0/24", 10)}' }, { ip_address: '${var.ip6}', subnet_id: '${var.sub}' }]);
    assert.equal(r.hostname, '${var.hostname}');
    assert.equal(r.device_owner, '${var.owner}');
    assert.deepEqual(r.extra_dhcp_opts, [{ opt_name: '${var.opt}', opt_value: '${var.value}', ip_version: 4 }]);
  });

  it('a token among the values skips the cross-port checks but literal fields are still checked', () => {
    const s = setup();
    port(s, {}, 'vm1');
    const mac = new TerraformVariable(s.stack, 'mac', { type: 'string' }).stringValue;
    // Same address as vm1, but the MAC is a token: the port cannot be compared yet.
    assert.doesNotThrow(() => port(s, { macAddress: mac }, 'vm2'));
    assertRejects(() => port(s, { macAddress: mac, hostname: 'bad_name' }, 'vm3'), {
      where: "dhcp port 'vm3' (stack/vm3)",
      path: 'hostname',
      got: '"bad_name"',
      allowed: /^a hostname/,
    });
  });
});

describe('DhcpPort: metadata', () => {
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqZ1pXlY0m7oGz9mYQ3sVq2b5r8m9cFhWZ3v2Rk0x1A alice';

  it('writes metadata under snake_case names', () => {
    const s = setup();
    port(s, { metadata: { instanceId: 'i-1', hostname: 'web1', userData: '#cloud-config\n', publicKeys: [KEY], networkConfig: '{"links":[]}' } });
    const [r] = resourcesOf(synth(s.stack).json, 'dhcpagent_port');
    assert.deepEqual(r.metadata, { instance_id: 'i-1', hostname: 'web1', user_data: '#cloud-config\n', public_keys: [KEY], network_config: '{"links":[]}' });
  });

  it('refuses bad metadata naming field, value and what is allowed; user-data is never repeated', () => {
    const s = setup();
    const big = 'token: s3cret\n'.repeat(6000);
    const err = assertRejects(
      () => port(s, { metadata: { instanceId: 'a/b', userData: big } }),
      { where: WHERE, path: 'metadata.instanceId', got: '"a/b"', allowed: /^an instance id/ },
      { where: WHERE, path: 'metadata.userData', got: '"(value not shown: it may hold secrets)"', allowed: /^at most 65535 bytes/ },
    );
    assert.doesNotMatch(err.message, /s3cret/);
  });

  it('a token in one field leaves the others checked', () => {
    const s = setup();
    const secret = new TerraformVariable(s.stack, 'ud', { type: 'string', sensitive: true });
    assertRejects(() => port(s, { metadata: { userData: secret.stringValue, publicKeys: ['nope'] } }), { where: WHERE, path: 'metadata.publicKeys[0]', got: '"nope"', allowed: /^an OpenSSH public key/ });
  });
});

describe('DhcpPort: metadata in portable mode', () => {
  it('refuses user-data while an agent is in provisioner mode (the carrier would print it in plans); the rest is carried', () => {
    const stack = newStack();
    const node = newNode(stack, 'n1', { mode: 'provisioner' });
    const net = new DhcpNetwork(stack, 'net', { agents: [node], bridge: 'br-lab', subnets: [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }] });
    const err = assertRejects(() => new DhcpPort(stack, 'vm', { network: net, macAddress: 'fa:16:3e:65:29:6d', fixedIps: [{ ipAddress: '10.0.0.10' }], metadata: { userData: 'token: s3cret' } }), {
      where: WHERE,
      path: 'metadata.userData',
      got: '"(value not shown: it may hold secrets)"',
      allowed: /^unset while an agent of the network is in portable/,
    });
    assert.doesNotMatch(err.message, /s3cret/);
    const ok = new DhcpPort(stack, 'vm-ok', { network: net, macAddress: 'fa:16:3e:65:29:6e', fixedIps: [{ ipAddress: '10.0.0.11' }], metadata: { instanceId: 'i-1' } });
    assert.equal(ok.elements.length, 1);
  });
});
