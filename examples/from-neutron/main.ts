/**
 * Migrating a network from an OpenStack cloud: the files under neutron/ are what
 *
 *   openstack network show private -f json > neutron/network.json
 *   openstack subnet show <subnet-id> -f json | jq -s . > neutron/subnets.json    (one per subnet)
 *   for p in $(openstack port list --network private -f value -c ID); do
 *     openstack port show "$p" -f json; done | jq -s . > neutron/ports.json
 *
 * print. The network's DHCP port becomes this node's DHCP port (same address, MAC and device
 * names, so clients keep their DHCP server), every client port becomes a DhcpPort with its
 * DNS name and PXE options.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Lazy, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DhcpAgentNode, DhcpNetwork } from 'cdktf-dhcp-agent';
import { exampleNodes } from '../lab-node';

const read = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, 'neutron', file), 'utf8'));

class FromNeutron extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const [where] = exampleNodes(1);
    const node = new DhcpAgentNode(this, 'node1', where.props);
    const net = DhcpNetwork.fromNeutron(this, 'private', read('network.json'), read('ports.json'), {
      agents: [node],
      subnetsJson: read('subnets.json') as unknown[],
      bridge: where.bridge,
      dnsDomain: 'example.org',
    });
    new TerraformOutput(this, 'ports', { value: net.ports.map((p) => `${p.macAddress} ${p.fixedIps.map((f) => f.ipAddress).join(' ')}`) });
    new TerraformOutput(this, 'dhcp_server', { value: Lazy.listValue({ produce: () => net.dhcpAddresses()[0] }) });
  }
}

const app = new App();
new FromNeutron(app, 'from-neutron');
app.synth();
