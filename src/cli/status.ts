/**
 * `dhcp-agent status`: what a node serves and whether it drifted, read directly over SSH
 * (no Terraform): the node's facts, then every network it keeps, each checked against the spec
 * the node keeps for it.
 */
import { parseArgs } from 'node:util';
import { readNetwork, readNode } from '../agent';
import { discoverNetwork } from '../agent/discover';
import { connectionFromValue, hostFor, nodeLabel } from '../provider/resources/connection';
import { loadLab } from '../lab';
import { CliError, EXIT_INVALID, withSshConnections } from './io';

export const STATUS_HELP = `Usage: dhcp-agent status (--host <host> [--user U] [--port P] [--private-key <path>]
                          [--known-hosts <path> | --host-key-sha256 SHA256:… | --insecure]
                          | --lab <name> [--node n0]) [--state-path <dir>] [--json]

Reads a node over SSH: prerequisites, the process monitor, and every network the agent keeps
there (namespace, devices, rule, files, dnsmasq), each compared with the spec kept on the node.
Changes nothing. Exit code 2 when anything drifted.
`;

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      user: { type: 'string' },
      port: { type: 'string' },
      'private-key': { type: 'string' },
      'known-hosts': { type: 'string' },
      'host-key-sha256': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      'state-path': { type: 'string' },
      lab: { type: 'string' },
      node: { type: 'string', default: 'n0' },
      json: { type: 'boolean', default: false },
    },
  });
  let node: Record<string, unknown>;
  if (values.lab) {
    const n = (await loadLab(values.lab)).node(values.node);
    node = { host: n.address, user: n.user, private_key_path: n.privateKeyPath, known_hosts_path: n.knownHostsPath, state_path: values['state-path'] ?? n.statePath };
  } else if (values.host) {
    node = {
      host: values.host,
      user: values.user,
      port: values.port ? Number(values.port) : undefined,
      private_key_path: values['private-key'],
      known_hosts_path: values['known-hosts'] ?? (values['host-key-sha256'] || values.insecure ? undefined : '~/.ssh/known_hosts'),
      host_key_sha256: values['host-key-sha256'],
      insecure_ignore_host_key: values.insecure || undefined,
      state_path: values['state-path'],
    };
  } else {
    throw new CliError(`status: give --host (or --lab)\n\n${STATUS_HELP}`, EXIT_INVALID);
  }
  const c = connectionFromValue(node as never);
  return withSshConnections(async () => {
    const host = await hostFor(c);
    const facts = await readNode(host, { statePath: c.statePath, monitorIntervalSeconds: 60 });
    if (!facts) throw new CliError(`${nodeLabel(c)}: no agent state at ${c.statePath}`, 1);
    const networks = [];
    for (const id of facts.networks) {
      const found = await discoverNetwork(host, id, c.statePath);
      const st = found ? await readNetwork(host, found.spec) : null;
      networks.push({ id, namespace: st?.namespace, interface: st?.interfaceName, addresses: st?.addresses, ports: st?.portCount, dnsmasqPid: st?.dnsmasqPid, drift: st ? st.drift : ['network.json unreadable'] });
    }
    // The node's own drift reflects monitor settings we do not know here; report only its facts.
    const drifted = networks.some((n) => n.drift.length > 0) || !facts.monitorPid;
    if (values.json) {
      process.stdout.write(JSON.stringify({ node: { ...facts, drift: undefined }, networks }, null, 2) + '\n');
    } else {
      process.stdout.write(
        `${nodeLabel(c)}: ${facts.hostname}, kernel ${facts.kernel}, dnsmasq ${facts.dnsmasqVersion}, iptables ${facts.iptables}, monitor ${facts.monitorPid ? `pid ${facts.monitorPid}` : 'NOT RUNNING'} (boot: ${facts.monitorBoot})\n`,
      );
      for (const n of networks) {
        process.stdout.write(`  ${n.id}  ${n.namespace ?? ''}  ${n.interface ?? ''} ${(n.addresses ?? []).join(' ')}  ports ${n.ports ?? '?'}  dnsmasq ${n.dnsmasqPid ?? 'down'}\n`);
        for (const d of n.drift) process.stdout.write(`    drift: ${d}\n`);
      }
      if (networks.length === 0) process.stdout.write('  no networks\n');
    }
    return drifted ? 2 : 0;
  });
}
