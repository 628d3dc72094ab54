/**
 * A node declared gone for good (`gone_for_good` on its `dhcpagent_node`, or listed in the
 * provider's `gone_nodes`): its networks and ports left the stack without the node being
 * contacted. Its `dhcpagent_node` stays in the stack as a marker; when the node answers again,
 * a refresh reports what the agent left there, and the next apply removes it.
 */
import { deleteNode, readNode, type NodeState } from '../../agent/node';
import { deleteNetwork } from '../../agent/network';
import { discoverNetwork } from '../../agent/discover';
import type { NodeSpec } from '../../agent/spec';
import type { Host } from '../../host/types';

/** What the agent left on a node that is back after being declared gone for good, in plain words. */
export function leftovers(st: Pick<NodeState, 'networks' | 'monitorPid'>): string[] {
  const out = st.networks.map(
    (id) => `the node is back after being declared gone for good and still keeps network ${id} (namespace, devices, files, dnsmasq as the agent left them): apply removes it`,
  );
  if (st.monitorPid) out.push(`the node is back after being declared gone for good and its process monitor runs (pid ${st.monitorPid}): apply stops it`);
  return out;
}

/**
 * Removes everything the agent keeps on the node: each network under the state path (as its
 * own `network.json` describes it), then the monitor and the state directory. Returns what was
 * found before, or null when the node had no state directory.
 */
export async function cleanGoneNode(host: Host, spec: NodeSpec): Promise<NodeState | null> {
  const st = await readNode(host, spec);
  if (!st) return null;
  for (const id of st.networks) {
    const found = await discoverNetwork(host, id, spec.statePath);
    if (found?.source === 'agent') await deleteNetwork(host, found.spec);
  }
  await deleteNode(host, spec);
  return st;
}
