/**
 * The quickstart as a CDK Terrain app: `cdktn` and `cdktn-cli` instead of cdktf, and the
 * constructs from `cdktf-dhcp-agent/cdktn` (built against cdktn; no cdktf is loaded).
 *
 *   npm install cdktn cdktn-cli constructs cdktf-dhcp-agent
 *   DHCP_AGENT_LAB=demo npx cdktn deploy
 *
 * Nodes from the environment as in the other examples (NODE_HOST, NODE_USER, …; see
 * examples/lab-node.ts, which is not imported here because it is typed against cdktf).
 */
import { App, TerraformOutput, TerraformStack } from 'cdktn';
import type { Construct } from 'constructs';
import { DhcpAgentNode, DhcpNetwork, DhcpPort, labNode, type DhcpAgentNodeProps } from 'cdktf-dhcp-agent/cdktn';

/** A node of a lab made by `dhcp-agent lab up` (DHCP_AGENT_LAB=<name>), else from NODE_* variables. */
function node(): { props: DhcpAgentNodeProps; bridge: string } {
  const lab = process.env.DHCP_AGENT_LAB;
  if (lab) {
    const n = labNode(lab, { dir: process.env.DHCP_AGENT_LAB_DIR });
    return { props: n.props, bridge: n.bridge };
  }
  if (!process.env.NODE_HOST) throw new Error('set DHCP_AGENT_LAB=<lab name> (see `dhcp-agent lab up`) or NODE_HOST and friends (see examples/lab-node.ts)');
  return {
    props: {
      host: process.env.NODE_HOST,
      user: process.env.NODE_USER,
      privateKeyPath: process.env.NODE_PRIVATE_KEY_PATH,
      knownHostsPath: process.env.NODE_KNOWN_HOSTS_PATH,
      hostKeySha256: process.env.NODE_HOST_KEY_SHA256,
      statePath: process.env.NODE_STATE_PATH,
    },
    bridge: process.env.NODE_BRIDGE ?? 'br-lab',
  };
}

class Quickstart extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const where = node();
    const agent = new DhcpAgentNode(this, 'node1', where.props);
    const net = new DhcpNetwork(this, 'tenant-a', {
      agents: [agent],
      networkId: 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f',
      bridge: where.bridge,
      subnets: [{ cidr: '172.16.40.0/24', gatewayIp: '172.16.40.1', dnsNameservers: ['172.16.40.1'] }],
      dnsDomain: 'openstacklocal',
    });
    new DhcpPort(this, 'vm1', { network: net, macAddress: 'fa:16:3e:40:00:0a', fixedIps: [{ ipAddress: '172.16.40.10' }], hostname: 'vm1' });
    new DhcpPort(this, 'vm2', { network: net, macAddress: 'fa:16:3e:40:00:0b', fixedIps: [{ ipAddress: '172.16.40.11' }], hostname: 'vm2' });
    new TerraformOutput(this, 'namespace', { value: net.namespace });
  }
}

const app = new App();
new Quickstart(app, 'quickstart');
app.synth();
