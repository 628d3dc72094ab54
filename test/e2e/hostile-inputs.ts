/**
 * The hostile inputs of test/e2e/hostile-input.test.ts: one row per input, as a construct prop
 * and as an HCL attribute, with the field, attribute and value both errors must name. Add rows
 * here (issue 18's refusals go at the end of INPUTS).
 */
export const BASE_NET = 'a7000000-0000-4000-8000-000000000001';
export const BASE_DHCP_PORT = 'd7000000-0000-4000-8000-00000000000a';
export const BASE_PORT = 'c7000000-0000-4000-8000-000000000001';
export const BASE_MAC = 'fa:16:3e:77:ff:01';
export const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';

export type Target = 'node' | 'network' | 'port';

/** One hostile input, as a construct prop and as an HCL attribute. */
export interface HostileInput {
  /** The class of input (issue 10's list). */
  readonly cls: string;
  readonly target: Target;
  /** Props given to the target construct (camelCase). */
  readonly props: Record<string, unknown>;
  /** HCL attributes of the target resource (`node.<key>` inside the node object), as HCL expressions. */
  readonly hcl: Record<string, string>;
  /** The field the construct error names, and the attribute the diagnostic names. */
  readonly field: string;
  readonly attribute: string;
  /** The value as both errors show it (JSON), or null: it must not be shown at all (secrets). */
  readonly shown: string | null;
}

/** An HCL string literal for any text: escapes, and no template interpolation. */
function hcl(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{') + '"';
}

/** The same string value for a field of the network, the port or the node. */
function str(target: Target, prop: string, attribute: string, value: string, cls: string): HostileInput {
  // DhcpPort's errors name its id `id` (its prop is `portId`).
  const field = target === 'port' && prop === 'portId' ? 'id' : prop;
  return { cls, target, props: { [prop]: value }, hcl: { [attribute]: hcl(value) }, field, attribute, shown: JSON.stringify(value) };
}
const net = (field: string, attribute: string, value: string, cls: string) => str('network', field, attribute, value, cls);
const port = (field: string, attribute: string, value: string, cls: string) => str('port', field, attribute, value, cls);
const node = (field: string, attribute: string, value: string, cls: string) => str('node', field, attribute, value, cls);
/** A port's only fixed IP. */
const portIp = (ip: string, cls: string): HostileInput => ({
  cls,
  target: 'port',
  props: { fixedIps: [{ ipAddress: ip }] },
  hcl: { fixed_ips: `[{ ip_address = ${hcl(ip)} }]` },
  field: 'fixedIps[0].ipAddress',
  attribute: 'fixed_ips[0].ip_address',
  shown: JSON.stringify(ip),
});
/** A port's only extra DHCP option. */
const portOpt = (name: string, value: string, cls: string, bad: 'optName' | 'optValue'): HostileInput => ({
  cls,
  target: 'port',
  props: { extraDhcpOpts: [{ optName: name, optValue: value }] },
  hcl: { extra_dhcp_opts: `[{ opt_name = ${hcl(name)}, opt_value = ${hcl(value)} }]` },
  field: `extraDhcpOpts[0].${bad}`,
  attribute: `extra_dhcp_opts[0].${bad === 'optName' ? 'opt_name' : 'opt_value'}`,
  shown: JSON.stringify(bad === 'optName' ? name : value),
});
/** The network's only subnet and its DHCP server's only address (a client port's address: a test of its own). */
const dhcpAddress = (cidr: string, gatewayIp: string | undefined, ip: string): HostileInput => ({
  cls: 'DHCP server addresses',
  target: 'network',
  props: { subnets: [{ cidr, ...(gatewayIp ? { gatewayIp } : {}) }], dhcpPorts: [{ id: BASE_DHCP_PORT, ipAddresses: [ip] }] },
  hcl: { subnets: `[{ cidr = ${hcl(cidr)}${gatewayIp ? `, gateway_ip = ${hcl(gatewayIp)}` : ''} }]`, dhcp_ip_addresses: `[${hcl(ip)}]` },
  field: 'dhcpPorts[0].ipAddresses[0]',
  attribute: 'dhcp_ip_addresses[0]',
  shown: JSON.stringify(ip),
});
/** A subnet field of the network's only subnet. */
const subnet = (field: string, attribute: string, value: string, cls: string, list = false): HostileInput => ({
  cls,
  target: 'network',
  props: { subnets: [{ cidr: '10.1.0.0/24', [field]: list ? [value] : value }] },
  hcl: { subnets: `[{ cidr = "10.1.0.0/24", ${attribute} = ${list ? `[${hcl(value)}]` : hcl(value)} }]` },
  field: `subnets[0].${field}${list ? '[0]' : ''}`,
  attribute: `subnets[0].${attribute}${list ? '[0]' : ''}`,
  shown: JSON.stringify(value),
});

export const INPUTS: readonly HostileInput[] = [
  // Control characters and Unicode separators in free text.
  net('name', 'name', 'tenant\nA', 'control characters'),
  net('name', 'name', 'tenant\0A', 'control characters'),
  net('name', 'name', 'tenant\rA', 'control characters'),
  net('name', 'name', 'tenant\u001bA', 'control characters'),
  net('name', 'name', 'tenant\u2028A', 'Unicode separators'),
  net('name', 'name', 'tenant\u2029A', 'Unicode separators'),
  net('name', 'name', 'tenant\u0085A', 'Unicode separators'),
  port('hostname', 'hostname', 'vm\n1', 'control characters'),
  port('deviceOwner', 'device_owner', 'compute:nova\u2028x', 'Unicode separators'),
  portOpt('tftp-server', '10.0.0.5\ndhcp-range=evil', 'control characters', 'optValue'),
  portOpt('bootfile-name', 'pxe\u0085linux', 'Unicode separators', 'optValue'),
  // Shell metacharacters where a name or id goes.
  net('networkId', 'network_id', 'net;reboot', 'shell metacharacters'),
  net('networkId', 'network_id', 'net$(id)', 'shell metacharacters'),
  net('networkId', 'network_id', 'net`id`', 'shell metacharacters'),
  net('bridge', 'bridge', "br0'; rm -rf / #", 'shell metacharacters'),
  net('bridge', 'bridge', 'br0|id', 'shell metacharacters'),
  port('portId', 'port_id', 'p1&&id', 'shell metacharacters'),
  port('hostname', 'hostname', 'vm1;id', 'shell metacharacters'),
  node('user', 'node.user', 'root;id', 'shell metacharacters'),
  node('host', 'node.host', '192.0.2.1;id', 'shell metacharacters'),
  portOpt('tftp-server;id', '10.0.0.5', 'shell metacharacters', 'optName'),
  // Path traversal.
  net('networkId', 'network_id', '../../etc', 'path traversal'),
  port('portId', 'port_id', '../../../root/.ssh/authorized_keys', 'path traversal'),
  node('statePath', 'node.state_path', '/var/lib/../../etc', 'path traversal'),
  node('statePath', 'node.state_path', '/', 'path traversal'),
  node('statePath', 'node.state_path', 'relative/dir', 'path traversal'),
  node('statePath', 'node.state_path', '/var//lib/./x', 'path traversal'),
  net('physicalInterface', 'physical_interface', '../eth0', 'path traversal'),
  // Malformed and special MACs.
  port('macAddress', 'mac_address', 'ff:ff:ff:ff:ff:ff', 'special MACs'),
  port('macAddress', 'mac_address', '01:00:5e:00:00:01', 'special MACs'),
  port('macAddress', 'mac_address', '00:00:00:00:00:00', 'special MACs'),
  port('macAddress', 'mac_address', 'fa:16:3e:00:00', 'malformed MACs'),
  port('macAddress', 'mac_address', 'fa-16-3e-00-00-01', 'malformed MACs'),
  port('macAddress', 'mac_address', 'fa:16:3e:00:00:0g', 'malformed MACs'),
  port('macAddress', 'mac_address', 'fa:16:3e:00:00:01,set:evil', 'malformed MACs'),
  {
    cls: 'special MACs',
    target: 'network',
    props: { dhcpPorts: [{ macAddress: '33:33:00:00:00:01' }] },
    hcl: { dhcp_mac_address: '"33:33:00:00:00:01"' },
    field: 'dhcpPorts[0].macAddress',
    attribute: 'dhcp_mac_address',
    shown: '"33:33:00:00:00:01"',
  },
  // Malformed and special IPs.
  portIp('172.21.0.256', 'malformed IPs'),
  portIp('172.21.0', 'malformed IPs'),
  portIp('172.21.0.10/24', 'malformed IPs'),
  portIp('172.21.0.10,172.21.0.11', 'malformed IPs'),
  portIp('fd00::g', 'malformed IPs'),
  portIp('172.21.0.0', 'special IPs'),
  portIp('172.21.0.255', 'special IPs'),
  portIp('10.9.9.9', 'special IPs'),
  portIp('172.21.0.200', 'duplicate addresses'),
  subnet('cidr', 'cidr', '10.1.0.0/33', 'malformed IPs'),
  subnet('cidr', 'cidr', '10.1.0.1/24', 'malformed IPs'),
  subnet('gatewayIp', 'gateway_ip', '10.2.0.1', 'special IPs'),
  subnet('dnsNameservers', 'dns_nameservers', '8.8.8.8#53', 'malformed IPs', true),
  // Duplicate ids.
  port('portId', 'port_id', BASE_DHCP_PORT, 'duplicate ids'),
  // Oversized values.
  net('networkId', 'network_id', 'n'.repeat(37), 'oversized values'),
  port('hostname', 'hostname', 'h'.repeat(64), 'oversized values'),
  net('dnsDomain', 'dns_domain', `${'d'.repeat(63)}.`.repeat(5), 'oversized values'),
  net('bridge', 'bridge', 'bridge-name-too-long', 'oversized values'),
  portOpt('tftp-server', 'x'.repeat(2000), 'oversized values', 'optValue'),
  {
    cls: 'oversized values',
    target: 'port',
    props: { extraDhcpOpts: Array.from({ length: 5000 }, (_, i) => ({ optName: `${i % 200}`, optValue: 'x' })) },
    // Terraform's range() stops at 1024 values.
    hcl: { extra_dhcp_opts: `flatten([for a in range(5) : [for b in range(1000) : { opt_name = tostring(b % 200), opt_value = "x" }]])` },
    field: 'extraDhcpOpts',
    attribute: 'extra_dhcp_opts',
    shown: '"(a list of 5000 options)"',
  },
  {
    cls: 'oversized values',
    target: 'network',
    props: { physicalInterface: 'enp0s31f6abcd', vlanId: 100 },
    hcl: { physical_interface: '"enp0s31f6abcd"', vlan_id: '100' },
    field: 'vlanId',
    attribute: 'vlan_id',
    shown: '100',
  },
  // Key material where a key's path belongs.
  { cls: 'key material', target: 'node', props: { privateKeyPath: KEY }, hcl: { 'node.private_key_path': hcl(KEY) }, field: 'privateKeyPath', attribute: 'node.private_key_path', shown: null },
  {
    cls: 'key material',
    target: 'node',
    props: { privateKeyPath: 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ' },
    hcl: { 'node.private_key_path': '"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"' },
    field: 'privateKeyPath',
    attribute: 'node.private_key_path',
    shown: null,
  },
  // Out-of-range numbers.
  { cls: 'out of range', target: 'network', props: { mtu: 65536 }, hcl: { mtu: '65536' }, field: 'mtu', attribute: 'mtu', shown: '65536' },
  { cls: 'out of range', target: 'network', props: { leaseDurationSeconds: 60 }, hcl: { lease_duration_seconds: '60' }, field: 'leaseDurationSeconds', attribute: 'lease_duration_seconds', shown: '60' },
  { cls: 'out of range', target: 'node', props: { port: 70000 }, hcl: { 'node.port': '70000' }, field: 'port', attribute: 'node.port', shown: '70000' },
  // Issue 18: a DHCP server address that is no address a server may have in its subnet.
  dhcpAddress('172.21.0.0/24', '172.21.0.1', '172.21.0.1'),
  dhcpAddress('172.21.0.0/24', '172.21.0.1', '10.9.9.9'),
  dhcpAddress('172.21.0.0/24', '172.21.0.1', '172.21.0.0'),
  dhcpAddress('172.21.0.0/24', '172.21.0.1', '172.21.0.255'),
  dhcpAddress('fd00:21::/64', undefined, 'fd00:21::'),
];

// Inputs that need two objects (device-name collisions, another stack's port of the same id) have
// tests of their own in hostile-input.test.ts.

