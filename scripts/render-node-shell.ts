/**
 * Renders the shell the agent sends to nodes, for scripts/lint.sh to run shellcheck on what
 * nodes really get (the .sh files with the variables and functions TypeScript puts around them):
 *
 *   node --import tsx scripts/render-node-shell.ts <dir>
 *
 * writes setup.sh of a few networks (a bridge, an agent-made VLAN bridge, IPv4 with metadata and
 * IPv6), monitor.sh, and the scripts the node, network and port handlers run, recorded from a
 * host that runs nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyNetwork, applyNode, applyPort, deleteNetwork, deleteNode, deletePort, deriveNetwork, readNetwork, readNode, readPort, setupScript, type NetworkSpec } from '../src/agent';
import { monitorScript } from '../src/agent/monitor';
import { cronInstall, cronRemove } from '../src/agent/node';
import { gatherScript } from '../src/agent/gather';
import type { ExecResult, Host } from '../src/host/types';
import { networkSpec, portSpec } from '../test/support/specs';

const STATE = '/var/lib/dhcp-agent';
const node = { name: 'lint-n1', bridge: 'br-lint', statePath: STATE };

function specs(): Record<string, NetworkSpec> {
  const bridged: NetworkSpec = {
    ...networkSpec(node, { networkId: '3f0d6b7e-1111-4222-8333-444455556666', options: { enableIsolatedMetadata: true, dnsDomain: 'example.org' }, dnsNameservers: ['192.0.2.53'] }),
    metadata: { backendSocket: '/var/lib/neutron/metadata_proxy' },
  };
  const vlan = networkSpec(node, { networkId: 'net-vlan', gateway: null, mtu: 1400 });
  const v6base = networkSpec(node, { networkId: 'net-v6', options: { forceMetadata: true } });
  const v6: NetworkSpec = {
    ...v6base,
    metadata: { backendUrl: 'http://[2001:db8::5]:8775' },
    network: {
      ...v6base.network,
      subnets: [
        ...v6base.network.subnets,
        { ...v6base.network.subnets[0], id: 'b0000000-0000-4000-8000-000000000006', cidr: '2001:db8::/64', ipVersion: 6, gatewayIp: '2001:db8::1', allocationPools: [], ipv6AddressMode: 'dhcpv6-stateful', ipv6RaMode: null },
      ],
    },
  };
  return { bridged, vlan: { ...vlan, attachment: { physicalInterface: 'eth1', vlanId: 42 } }, v6 };
}

/** A host that records every script and answers as a node would that has what was asked for. */
function recorder(save: (script: string) => void, stdout: string): Host {
  return {
    label: 'render',
    run(script: string): Promise<ExecResult> {
      save(script);
      return Promise.resolve({ code: 0, stdout, stderr: '' });
    },
    async writeFile() {},
    readFile() {
      return Promise.resolve(null);
    },
    async close() {},
  };
}

async function main(out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  const write = (name: string, text: string) => writeFileSync(join(out, name), text);
  const all = specs();
  for (const [name, spec] of Object.entries(all)) write(`setup-${name}.sh`, setupScript(deriveNetwork(spec)));
  write('monitor.sh', monitorScript(STATE, 30));
  write('cron-install.sh', cronInstall(STATE));
  write('cron-remove.sh', cronRemove(STATE));
  write('gather.sh', gatherScript(STATE));

  const recorded = (prefix: string, stdout: string) => {
    let n = 0;
    return recorder((script) => write(`${prefix}-${++n}.sh`, script), stdout);
  };
  // The handlers fail on canned answers after their scripts are recorded; only the scripts count.
  const ignore = () => undefined;
  const nodeSpec = { statePath: STATE, monitorIntervalSeconds: 30 };
  for (const boot of ['systemd', 'cron']) {
    const h = recorded(`node-${boot}`, `@@facts\nboot ${boot}\n@@state\n1\n@@end\n`);
    await applyNode(h, nodeSpec, { generation: 'g1' }).catch(ignore);
    await readNode(h, nodeSpec).catch(ignore);
    await deleteNode(h, nodeSpec, { generation: 'g1' }).catch(ignore);
  }
  const spec = all.bridged;
  const net = recorded('network', '@@serial\n1\n@@netserial\n1\n@@network\n\n@@ports\n@@end\n');
  await applyNetwork(net, spec, { generation: 'g2', create: true }).catch(ignore);
  await readNetwork(net, spec).catch(ignore);
  await deleteNetwork(net, spec, { generation: 'g2' }).catch(ignore);
  const port = recorded('port', `@@serial\n1\n@@netserial\n1\n@@network\n${JSON.stringify(spec)}\n@@ports\n@@end\nserial=2\n`);
  const p1 = portSpec(spec, { id: 'p1', macAddress: 'fa:16:3e:00:00:01', ip: '172.16.0.10', hostname: 'vm1' });
  const p2 = portSpec(spec, { id: 'p2', macAddress: 'fa:16:3e:00:00:02', ip: '172.16.0.11' });
  await Promise.all([applyPort(port, p1, { create: true, generation: 'g3' }), applyPort(port, p2)]).catch(ignore);
  await deletePort(port, p1, { generation: 'g3' }).catch(ignore);
  await readPort(port, p2).catch(ignore);
}

const out = process.argv[2];
if (!out || process.argv.length > 3) {
  console.error('usage: node --import tsx scripts/render-node-shell.ts <dir>');
  process.exit(2);
}
main(out).catch((err: unknown) => {
  console.error(`render-node-shell: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
