/**
 * Quickstart: one node, one network, two VMs (vm1 boots over PXE). `cdktf deploy` and the
 * VMs with these MACs get these addresses.
 */
import { App, Lazy, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DhcpAgentNode, DhcpNetwork, DhcpPort } from 'cdktf-dhcp-agent';
import { exampleNodes } from '../lab-node';

class Quickstart extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const [where] = exampleNodes(1);
    const node = new DhcpAgentNode(this, 'node1', where.props);

    const net = new DhcpNetwork(this, 'tenant-a', {
      agents: [node],
      networkId: '8165bc3d-400a-48a0-9186-bf59f7f94b05',
      bridge: where.bridge,
      subnets: [{ cidr: '172.16.0.0/24', gatewayIp: '172.16.0.1', dnsNameservers: ['172.16.0.1'] }],
      dnsDomain: 'openstacklocal',
      leaseDurationSeconds: 86400,
      mtu: 1500,
    });

    new DhcpPort(this, 'vm1', {
      network: net,
      macAddress: 'fa:16:3e:65:29:6d',
      // QUICKSTART_VM1_IP: used by the end-to-end tests to change a port of a deployed stack.
      fixedIps: [{ ipAddress: process.env.QUICKSTART_VM1_IP ?? '172.16.0.10' }],
      hostname: 'vm1',
      extraDhcpOpts: [
        { optName: 'tftp-server', optValue: '172.16.0.5' },
        { optName: 'bootfile-name', optValue: 'pxelinux.0' },
      ],
    });
    new DhcpPort(this, 'vm2', {
      network: net,
      macAddress: 'fa:16:3e:65:29:6e',
      fixedIps: [{ ipAddress: '172.16.0.11' }],
      hostname: 'vm2',
    });
    if (process.env.QUICKSTART_EXTRA_PORT) {
      // Used by the end-to-end test: a third VM added to a deployed stack.
      new DhcpPort(this, 'vm3', { network: net, macAddress: 'fa:16:3e:65:29:6f', fixedIps: [{ ipAddress: '172.16.0.12' }], hostname: 'vm3' });
    }

    new TerraformOutput(this, 'namespace', { value: net.namespace });
    // Chosen at synth time (from the allocation pools, avoiding the ports' addresses).
    new TerraformOutput(this, 'dhcp_addresses', { value: Lazy.listValue({ produce: () => net.dhcpAddresses()[0] }) });
  }
}

const app = new App();
new Quickstart(app, 'quickstart');
app.synth();
