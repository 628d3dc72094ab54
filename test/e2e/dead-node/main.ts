/**
 * The stack of test/e2e/dead-node.test.ts: one network served by two of three lab nodes (high
 * availability), on the nodes' `eth1` (untagged). The test changes it between deploys through
 * the environment:
 *
 *   DEAD_NODE_AGENTS  the agents, as 1-based lab node numbers in order (default `1,2`)
 *   DEAD_NODE_GONE    nodes declared goneForGood (kept in the stack, out of the agents)
 *   DEAD_NODE_PORTS   how many client ports (1 or 2; default 1)
 */
import { App, Lazy, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DhcpAgentNode, DhcpNetwork, DhcpPort } from 'cdktf-dhcp-agent';
import { exampleNodes } from '../../../examples/lab-node';
import { GATEWAY, NETWORK_ID, PORTS } from './values';


function numbers(name: string, fallback: string): number[] {
  const v = process.env[name] ?? fallback;
  if (!/^([1-3](,[1-3])*)?$/.test(v)) throw new Error(`${name}: got ${JSON.stringify(v)}; lab node numbers 1..3 separated by commas`);
  return v === '' ? [] : v.split(',').map(Number);
}

class DeadNode extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const where = exampleNodes(3);
    const agents = numbers('DEAD_NODE_AGENTS', '1,2');
    const gone = numbers('DEAD_NODE_GONE', '');
    const nodes = new Map<number, DhcpAgentNode>();
    for (const k of [...new Set([...agents, ...gone])].sort()) {
      nodes.set(k, new DhcpAgentNode(this, `node${k}`, { ...where[k - 1].props, ...(gone.includes(k) ? { goneForGood: true } : {}) }));
    }
    const net = new DhcpNetwork(this, 'ha', {
      agents: agents.map((k) => nodes.get(k)!),
      networkId: NETWORK_ID,
      physicalInterface: where[0].physicalInterface ?? 'eth1',
      subnets: [{ cidr: '172.16.30.0/24', gatewayIp: GATEWAY }],
    });
    const count = Number(process.env.DEAD_NODE_PORTS ?? '1');
    for (const p of PORTS.slice(0, count)) {
      new DhcpPort(this, p.id, { network: net, macAddress: p.mac, fixedIps: [{ ipAddress: p.ip }], hostname: p.id });
    }
    new TerraformOutput(this, 'dhcp_addresses', { value: Lazy.anyValue({ produce: () => net.dhcpAddresses() }) });
  }
}

const app = new App();
new DeadNode(app, 'dead-node');
app.synth();
