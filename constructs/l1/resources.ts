/**
 * The generated resource classes under the names this package has always had. cdktf calls the
 * `node` attribute `nodeAttribute` in the generated classes (every construct has a `node`);
 * these take it as `node`, as the L2 constructs and earlier releases do.
 */
import type { Construct } from 'constructs';
import * as network from './generated/network';
import * as node from './generated/node';
import * as port from './generated/port';

/** How to reach a node over SSH, and where the agent keeps its files there (the `node` attribute). */
export type NodeConnection = node.NodeNode;
/** One subnet of a network (`subnets`). */
export type SubnetConfig = network.NetworkSubnets;
/** Another node's DHCP port on the same network (`peer_dhcp_ports`). */
export type PeerDhcpPortConfig = network.NetworkPeerDhcpPorts;
/** One address of a port (`fixed_ips`). */
export type PortFixedIpConfig = port.PortFixedIps;
/** One DHCP option of a port (`extra_dhcp_opts`). */
export type ExtraDhcpOptConfig = port.PortExtraDhcpOpts;
/** One port held by its network (`ports`, ports inline). */
export type InlinePortConfig = network.NetworkPorts;

interface WithNode {
  /** How to reach the node over SSH, and where the agent keeps its files there (`node`). */
  readonly node: NodeConnection;
}

export interface NodeResourceConfig extends Omit<node.NodeConfig, 'nodeAttribute'>, WithNode {}
export interface NetworkResourceConfig extends Omit<network.NetworkConfig, 'nodeAttribute'>, WithNode {}
export interface PortResourceConfig extends Omit<port.PortConfig, 'nodeAttribute'>, WithNode {}

/** `dhcpagent_node`: prerequisites, state directory and process monitor on one node. */
export class NodeResource extends node.Node {
  constructor(
    scope: Construct,
    id: string,
    readonly config: NodeResourceConfig,
  ) {
    const { node: nodeAttribute, ...rest } = config;
    super(scope, id, { ...rest, nodeAttribute });
  }
}

/** `dhcpagent_network`: one network served by one node (namespace, veth, rule, files, dnsmasq). */
export class NetworkResource extends network.Network {
  constructor(
    scope: Construct,
    id: string,
    readonly config: NetworkResourceConfig,
  ) {
    const { node: nodeAttribute, ...rest } = config;
    super(scope, id, { ...rest, nodeAttribute });
  }
}

/** `dhcpagent_port`: a MAC/IP reservation on a network served by one node. */
export class PortResource extends port.Port {
  constructor(
    scope: Construct,
    id: string,
    readonly config: PortResourceConfig,
  ) {
    const { node: nodeAttribute, ...rest } = config;
    super(scope, id, { ...rest, nodeAttribute });
  }
}
