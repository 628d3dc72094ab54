/**
 * Where the examples find their nodes: a lab made by `dhcp-agent lab up` (DHCP_AGENT_LAB=<name>),
 * or your own hosts from environment variables (NODE_HOST — several separated by commas for the
 * examples with several nodes —, NODE_USER, NODE_PRIVATE_KEY_PATH, NODE_KNOWN_HOSTS_PATH or
 * NODE_HOST_KEY_SHA256, NODE_BRIDGE, NODE_PHYSICAL_INTERFACE, NODE_STATE_PATH), the same on
 * every host (so with several hosts, pin their keys with NODE_KNOWN_HOSTS_PATH: a
 * NODE_HOST_KEY_SHA256 fits one host only).
 */
import { readFileSync } from 'node:fs';
import type { DhcpAgentNodeProps } from 'cdktf-dhcp-agent';

export interface ExampleNode {
  readonly props: DhcpAgentNodeProps;
  /** The bridge on the node that VMs are attached to. */
  readonly bridge: string;
  /**
   * The node's interface to the physical network (a lab made with `--switch`: `eth1`), for
   * networks on a bridge the agent creates.
   */
  readonly physicalInterface?: string;
}

/**
 * DHCP_AGENT_MODE=provisioner deploys the examples in portable mode (carriers with local-exec
 * provisioners instead of the dhcpagent provider's resources); DHCP_AGENT_CARRIER picks the
 * carrier (terraform_data, null_resource).
 */
function modeProps(): Pick<DhcpAgentNodeProps, 'mode' | 'carrier'> {
  const mode = process.env.DHCP_AGENT_MODE as DhcpAgentNodeProps['mode'];
  const carrier = process.env.DHCP_AGENT_CARRIER as DhcpAgentNodeProps['carrier'];
  return { ...(mode ? { mode } : {}), ...(carrier ? { carrier } : {}) };
}

export function exampleNodes(count = 1): ExampleNode[] {
  return nodesFromEnvironment(count).map((n) => ({ ...n, props: { ...n.props, ...modeProps() } }));
}

function nodesFromEnvironment(count: number): ExampleNode[] {
  const lab = process.env.DHCP_AGENT_LAB;
  if (lab) {
    const dir = process.env.DHCP_AGENT_LAB_DIR ?? `/var/lib/dhcp-agent-lab/${lab}`;
    const file = JSON.parse(readFileSync(`${dir}/lab.json`, 'utf8')) as {
      nodes: { address: string; user: string; privateKeyPath: string; knownHostsPath: string; statePath: string; bridge: string; physicalInterface?: string }[];
    };
    if (file.nodes.length < count) throw new Error(`lab ${lab} has ${file.nodes.length} node(s); this example needs ${count} (dhcp-agent lab up --name ${lab} --nodes ${count})`);
    return file.nodes.slice(0, count).map((n) => ({
      props: { host: n.address, user: n.user, privateKeyPath: n.privateKeyPath, knownHostsPath: n.knownHostsPath, statePath: n.statePath },
      bridge: n.bridge,
      ...(n.physicalInterface ? { physicalInterface: n.physicalInterface } : {}),
    }));
  }
  const hosts = (process.env.NODE_HOST ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
  if (hosts.length === 0) throw new Error('set DHCP_AGENT_LAB=<lab name> (see `dhcp-agent lab up`) or NODE_HOST and friends (see examples/lab-node.ts)');
  if (hosts.length < count) throw new Error(`NODE_HOST lists ${hosts.length} host(s); this example needs ${count}, separated by commas`);
  return hosts.slice(0, count).map((host) => ({
    props: {
      host,
      user: process.env.NODE_USER,
      privateKeyPath: process.env.NODE_PRIVATE_KEY_PATH,
      knownHostsPath: process.env.NODE_KNOWN_HOSTS_PATH,
      hostKeySha256: process.env.NODE_HOST_KEY_SHA256,
      statePath: process.env.NODE_STATE_PATH,
    },
    bridge: process.env.NODE_BRIDGE ?? 'br-lab',
    ...(process.env.NODE_PHYSICAL_INTERFACE ? { physicalInterface: process.env.NODE_PHYSICAL_INTERFACE } : {}),
  }));
}
