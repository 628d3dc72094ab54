/**
 * `dhcp-agent render <network.json> [--options <options.json>] [--dhcp-port <id>]`: the
 * dnsmasq files and argv neutron's DHCP agent would produce for a network, as one JSON object.
 */
import { networkPaths, renderNetwork, type RenderContext } from '../dnsmasq';
import { agentOptionsFromJson } from '../model/agent-options';
import { nsDeviceName } from '../model/naming';
import { networkFromNeutronJson } from '../model/neutron-json';
import { DEVICE_OWNER_DHCP } from '../model/types';
import { validateAgentOptions, validateNetwork } from '../model/validate';
import { CliError, EXIT_INVALID, issueLines, readJsonFile } from './io';

export const RENDER_HELP = `Usage: dhcp-agent render <network.json> [--options <options.json>] [--dhcp-port <port-id>]

Prints, as one JSON object {"host", "addn_hosts", "opts", "leases", "argv"}, the dnsmasq
files and command line that neutron's DHCP agent would produce for the network.

network.json — one network in neutron API JSON (snake_case, as the API and
'openstack … show -f json' print it):
  {
    "id": "8165bc3d-400a-48a0-9186-bf59f7f94b05",
    "mtu": 1500,                          (optional; 0 = not advertised)
    "dns_domain": "example.org.",         (optional)
    "subnets": [{ "id": "…", "cidr": "172.16.0.0/24", "ip_version": 4,
                  "gateway_ip": "172.16.0.1", "enable_dhcp": true,
                  "dns_nameservers": ["172.16.0.1"],
                  "host_routes": [{ "destination": "10.0.0.0/8", "nexthop": "172.16.0.254" }],
                  "allocation_pools": [{ "start": "172.16.0.2", "end": "172.16.0.254" }],
                  "ipv6_address_mode": null, "ipv6_ra_mode": null }],
    "ports": [{ "id": "…", "mac_address": "fa:16:3e:65:29:6d",
                "fixed_ips": [{ "subnet_id": "…", "ip_address": "172.16.0.10" }],
                "device_owner": "compute:nova",
                "extra_dhcp_opts": [{ "opt_name": "tftp-server", "opt_value": "172.16.0.5", "ip_version": 4 }],
                "dns_assignment": [{ "hostname": "vm1", "ip_address": "172.16.0.10", "fqdn": "vm1.example.org." }] }]
  }
  Ports may also be given as 'openstack port list -f json' prints them ("ID", "MAC Address",
  "Fixed IP Addresses"). Include the network's DHCP ports (device_owner "network:dhcp").

options.json — agent options with neutron's dhcp_agent.ini names (all optional):
  { "dns_domain": "openstacklocal", "dhcp_lease_duration": 86400, "dnsmasq_lease_max": 16777216,
    "dnsmasq_dns_servers": [], "dnsmasq_local_resolv": false, "enable_isolated_metadata": false,
    "force_metadata": false, "dhcp_broadcast_reply": false, "dhcp_renewal_time": 0,
    "dhcp_rebinding_time": 0, "dnsmasq_base_log_dir": "", "state_path": "/var/lib/dhcp-agent", "interface_name": "ns-…" }

--dhcp-port <id>  the DHCP port of the agent being rendered (its addresses are used for the
                  isolated-metadata route); default: the first port with device_owner network:dhcp.

Invalid input: exit code 2, the problems on stderr, nothing on stdout.
`;

export interface RenderArgs {
  readonly networkFile: string;
  readonly optionsFile?: string;
  readonly dhcpPortId?: string;
}

export function renderCommand(args: RenderArgs): string {
  const networkJson = readJsonFile(args.networkFile, 'network');
  const optionsJson = args.optionsFile ? readJsonFile(args.optionsFile, 'options') : {};
  const net = networkFromNeutronJson(networkJson);
  const opt = agentOptionsFromJson(optionsJson);
  const problems = [...issueLines(args.networkFile, net.issues, false), ...(args.optionsFile ? issueLines(args.optionsFile, opt.issues, false) : issueLines('options', opt.issues, false))];
  // Report every problem at once: a bad options file must not hide the network's issues.
  if (net.issues.length === 0) problems.push(...issueLines(args.networkFile, validateNetwork(net.value!, { addr6List: opt.options.dnsmasqEnableAddr6List })));
  if (opt.issues.length === 0) problems.push(...issueLines(args.optionsFile ?? 'options', validateAgentOptions(opt.options)));
  const network = net.value;
  if (problems.length === 0 && network && args.dhcpPortId && !network.ports.some((p) => p.id === args.dhcpPortId)) {
    problems.push(`--dhcp-port: got ${JSON.stringify(args.dhcpPortId)}; the id of one of the network's ports`);
  }
  if (problems.length || !network) throw new CliError(problems.join('\n'), EXIT_INVALID);

  const selfDhcpPortId = args.dhcpPortId ?? network.ports.find((p) => p.deviceOwner === DEVICE_OWNER_DHCP)?.id;
  const ctx: RenderContext = { network, options: opt.options, selfDhcpPortId };
  const interfaceName = opt.options.interfaceName ?? (selfDhcpPortId ? nsDeviceName(selfDhcpPortId) : 'ns-dhcp');
  const r = renderNetwork(ctx, networkPaths(opt.options.statePath, network.id), interfaceName, Math.floor(Date.now() / 1000));
  return JSON.stringify({ host: r.host, addn_hosts: r.addnHosts, opts: r.opts, leases: r.leases, argv: r.argv }, null, 2) + '\n';
}
