/**
 * Ports inline: a network that holds its client ports (`dhcpagent_network.ports`, the
 * construct's `portsInline`) instead of one resource per port, for big networks. The network
 * then owns every client port of its directory on the node: apply writes the listed ones and
 * removes the others, read tells the drift of each by its id. Each port still goes through the
 * port handler (port.ts), so the node holds byte for byte what separate ports would make, and
 * a change to ports reloads dnsmasq (SIGHUP), never restarts it.
 */
import type { Host } from '../host/types';
import { applyNetwork, readNetwork, type NetworkState } from './network';
import { applyPort, deletePort, readPort } from './port';
import { Gatherings, portFileNames } from './gather';
import { readContext } from './stored-network';
import type { HandlerOptions, NetworkSpec, PortSpec, ReadOptions } from './spec';
import type { Port } from '../model/types';

/** A network's state with what apply made of its inline ports. */
export interface NetworkWithPortsState extends NetworkState {
  /** The inline ports as kept on the node (subnet ids resolved), in the order given; absent without inline ports. */
  readonly ports?: readonly Port[];
}

/** Thrown when some inline ports could not be applied: the message names each, by id. */
export class InlinePortsError extends Error {
  constructor(
    readonly networkId: string,
    readonly failures: readonly {
      readonly portId: string;
      readonly error: unknown;
    }[],
  ) {
    super(`network ${networkId}: ${failures.length} inline port(s) not applied:\n${failures.map((f) => `  port ${f.portId}: ${(f.error as Error)?.message ?? String(f.error)}`).join('\n')}`);
    this.name = 'InlinePortsError';
  }
}

/**
 * Applies the network, then, when `ports` is given (inline mode), writes those ports and
 * removes every other client port of the network on the node. `ports === null`: the ports are
 * managed elsewhere (separate resources) and left as they are.
 */
export async function applyNetworkWithPorts(host: Host, spec: NetworkSpec, ports: readonly PortSpec[] | null, opts: HandlerOptions = {}): Promise<NetworkWithPortsState> {
  const st = await applyNetwork(host, spec, opts);
  if (ports === null) return st;
  const kept = await applyInlinePorts(host, spec, ports, opts);
  return { ...st, portCount: kept.length, ports: kept };
}

/** Writes `ports` and removes the network's other client ports; every port is tried, failures are reported together. */
async function applyInlinePorts(host: Host, spec: NetworkSpec, ports: readonly PortSpec[], opts: HandlerOptions): Promise<Port[]> {
  const statePath = spec.options.statePath;
  const generation = opts.generation;
  const networkId = spec.network.id;
  const wanted = new Set(ports.map((p) => p.port.id));
  const onNode = await readContext(host, statePath, networkId);
  const strays = [...onNode.ports.values()].filter((p) => !wanted.has(p.id));
  // Issued together, the port handler's queue runs them as one batch (one script, one SIGHUP),
  // in this order: a port that takes over a removed one's MAC or address is checked without it.
  // Removed unconditionally: the network owns every port of its directory, whichever carrier wrote it last.
  const removals = strays.map((port) => deletePort(host, { networkId, statePath, port }));
  const writes = ports.map((p) => applyPort(host, p, { generation }));
  const [written, removed] = await Promise.all([Promise.allSettled(writes), Promise.allSettled(removals)]);
  const failures = [
    ...written.flatMap((r, i) => (r.status === 'rejected' ? [{ portId: ports[i].port.id, error: r.reason as unknown }] : [])),
    ...removed.flatMap((r, i) => (r.status === 'rejected' ? [{ portId: strays[i].id, error: r.reason as unknown }] : [])),
  ];
  if (failures.length) throw new InlinePortsError(networkId, failures);
  return written.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof applyPort>>>).value.port!);
}

/**
 * Observes the network and, in inline mode, each of `ports` (its drift prefixed with `port <id>: `)
 * and any other client port on the node. Reads share one gathering of the node (`opts`, or one
 * made here). `null` when the network is not on the node.
 */
export async function readNetworkWithPorts(host: Host, spec: NetworkSpec, ports: readonly PortSpec[] | null, opts: ReadOptions = {}): Promise<NetworkState | null> {
  if (ports === null) return readNetwork(host, spec, opts);
  const gatherings = opts.gatherings ?? new Gatherings();
  const st = await readNetwork(host, spec, { gatherings });
  if (!st) return null;
  return {
    ...st,
    drift: [...st.drift, ...(await inlinePortsDrift(host, spec, ports, gatherings))],
  };
}

async function inlinePortsDrift(host: Host, spec: NetworkSpec, ports: readonly PortSpec[], gatherings: Gatherings): Promise<string[]> {
  const networkId = spec.network.id;
  const seen = await Promise.all(ports.map((p) => readPort(host, p, { gatherings })));
  const drift = seen.flatMap((st, i) => {
    const id = ports[i].port.id;
    return st === null ? [`port ${id} is missing on the node`] : st.drift.map((d) => `port ${id}: ${d}`);
  });
  const wanted = new Set(ports.map((p) => p.port.id));
  for (const id of portFileNames(await gatherings.of(host, spec.options.statePath), networkId, 'json').map((n) => n.slice(0, -'.json'.length))) {
    if (!wanted.has(id)) drift.push(`port ${id} is on the node but not in the network's ports (apply removes it)`);
  }
  return drift;
}
