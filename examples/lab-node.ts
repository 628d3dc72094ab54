/**
 * Where the examples find their nodes: a lab made by `dhcp-agent lab up` (DHCP_AGENT_LAB=<name>),
 * or your own hosts from environment variables (NODE_HOST — several separated by commas for the
 * examples with several nodes —, NODE_USER, NODE_PRIVATE_KEY_PATH, NODE_KNOWN_HOSTS_PATH or
 * NODE_HOST_KEY_SHA256, NODE_BRIDGE, NODE_PHYSICAL_INTERFACE, NODE_STATE_PATH), the same on
 * every host (so with several hosts, pin their keys with NODE_KNOWN_HOSTS_PATH: a
 * NODE_HOST_KEY_SHA256 fits one host only).
 */
import { labNode, type DhcpAgentNodeProps } from 'cdktf-dhcp-agent';

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
    const dir = process.env.DHCP_AGENT_LAB_DIR;
    // labNode names the lab and says how to make it when it is not up; here: enough nodes?
    const first = labNode(lab, { dir });
    return Array.from({ length: count }, (_, node) => {
      const n = node === 0 ? first : labNode(lab, { dir, node });
      return { props: n.props, bridge: n.bridge, ...(n.physicalInterface ? { physicalInterface: n.physicalInterface } : {}) };
    });
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
