/**
 * Multi-agent: two nodes serve one network, as neutron's DHCP agents do for high availability
 * (dhcp_agents_per_network = 2). Each node bridges the network's VLAN, the sub-interface
 * `<physical interface>.120`, into `brq<network-id[:11]>` and runs its own dnsmasq with its own
 * DHCP port; both hand out the same reservations, and since the subnet names no DNS servers,
 * clients get both DHCP servers as DNS servers. Either node alone keeps the network served.
 *
 *   dhcp-agent lab up --name demo --nodes 2 --isolated --switch
 *   DHCP_AGENT_LAB=demo npx cdktf deploy
 *   dhcp-agent lab vm --name demo --switch --vlan 120 --vm vm1 --mac fa:16:3e:20:00:0a
 *
 * MULTI_AGENT_VLAN_ID=none runs it untagged on the physical interface, for kernels built
 * without 802.1Q VLAN support (CONFIG_VLAN_8021Q).
 */
import { App, Lazy, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DhcpAgentNode, DhcpNetwork, DhcpPort } from 'cdktf-dhcp-agent';
import { exampleNodes } from '../lab-node';

/** The VLAN of the network: 120, or MULTI_AGENT_VLAN_ID (`none`: untagged). */
function vlanId(): number | undefined {
  const v = process.env.MULTI_AGENT_VLAN_ID ?? '120';
  if (v === 'none') return undefined;
  if (!/^[0-9]{1,4}$/.test(v)) throw new Error(`MULTI_AGENT_VLAN_ID: got ${JSON.stringify(v)}; a VLAN id 1..4094 or "none" is allowed`);
  return Number(v);
}

class MultiAgent extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const where = exampleNodes(2);
    const physicalInterface = where[0].physicalInterface;
    if (!physicalInterface || where.some((w) => w.physicalInterface !== physicalInterface)) {
      throw new Error(
        `this example needs one physical interface name on both nodes; got ${JSON.stringify(where.map((w) => w.physicalInterface))} (a lab made with --switch has eth1; else set NODE_PHYSICAL_INTERFACE)`,
      );
    }
    const agents = where.map((w, i) => new DhcpAgentNode(this, `node${i + 1}`, w.props));

    const net = new DhcpNetwork(this, 'tenant-b', {
      agents,
      networkId: '5d3b6f2a-9c41-4e8b-a0d7-3f6e2c1b9a84',
      physicalInterface,
      vlanId: vlanId(),
      // No dnsNameservers: with two agents, clients get both DHCP servers as DNS servers.
      subnets: [{ cidr: '172.16.20.0/24', gatewayIp: '172.16.20.1' }],
      dnsDomain: 'openstacklocal',
    });

    new DhcpPort(this, 'vm1', { network: net, macAddress: 'fa:16:3e:20:00:0a', fixedIps: [{ ipAddress: '172.16.20.10' }], hostname: 'vm1' });
    new DhcpPort(this, 'vm2', { network: net, macAddress: 'fa:16:3e:20:00:0b', fixedIps: [{ ipAddress: '172.16.20.11' }], hostname: 'vm2' });

    new TerraformOutput(this, 'namespace', { value: net.namespace });
    // Chosen at synth time, one list per agent (different addresses, from the allocation pools).
    new TerraformOutput(this, 'dhcp_addresses', { value: Lazy.anyValue({ produce: () => net.dhcpAddresses() }) });
  }
}

const app = new App();
new MultiAgent(app, 'multi-agent');
app.synth();
