/** What a lab node serves for a network, as comparable text: files, devices, rules, dnsmasq's command line. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inNetns, readPid } from './host-probe';

export function snapshotNetwork(nodeNetns: string, statePath: string, networkId: string): Record<string, string> {
  const dir = join(statePath, 'dhcp', networkId);
  const out: Record<string, string> = {};
  for (const f of ['host', 'addn_hosts', 'opts', 'interface', 'network.json', 'setup.sh', 'parts/opts.head', 'parts/opts.tail']) {
    out[f] = readFileSync(join(dir, f), 'utf8');
  }
  // Per-port spec and fragments; generation markers and lease fragments (timestamps) differ by design.
  for (const f of readdirSync(join(dir, 'ports')).sort()) {
    if (!/\.(generation|leases)$/.test(f)) out[`ports/${f}`] = readFileSync(join(dir, 'ports', f), 'utf8');
  }
  const pid = readPid(join(dir, 'pid'));
  out.cmdline = pid ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') : 'no dnsmasq';
  const ns = `qdhcp-${networkId}`;
  out.addresses = inNetns(nodeNetns, `ip -n ${ns} -o addr show scope global | awk '{print $2, $4}' | sort`);
  out.links = inNetns(nodeNetns, `ip -n ${ns} -o link show | awk '{print $2}' | sed 's/@.*//' | sort`);
  out.routes = inNetns(nodeNetns, `ip -n ${ns} route show`);
  out.rules = inNetns(nodeNetns, `ip netns exec ${ns} iptables -t mangle -S`);
  return out;
}
