/**
 * What a `DhcpNetwork` is to the constructs that attach to it: `DhcpPort` takes and keeps an
 * {@link IDhcpNetwork}, never the class, so dhcp-port.ts does not import dhcp-network.ts (which
 * imports dhcp-port.ts to build fromNeutron's ports). The same split as aws-cdk-lib's
 * `IFunction` in aws-lambda/lib/function-base.ts.
 */
import type { TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';
import type { AgentOptions, Port, Subnet } from '../src/model/types';
import type { DhcpAgentNode } from './dhcp-agent-node';
import type { InlinePortConfig, NetworkResource } from './l1/resources';

/** A client reservation on a network, as the network sees it (implemented by `DhcpPort`). */
export interface IDhcpClientPort extends IConstruct {
  /** Port id. */
  readonly portId: string;
  /** The client's MAC address, lower case. */
  readonly macAddress: string;
  /** The reserved addresses, with subnet ids resolved (empty when the address is a token). */
  readonly fixedIps: readonly { readonly ipAddress: string; readonly subnetId: string }[];
  /** The port in the model's terms (for validation against other ports). */
  model(): Port;
  /** The port's own attributes (camelCase) as an element of its network's inline `ports`. */
  inlineAttributes(): InlinePortConfig;
}

/** A network served by DHCP agents (implemented by `DhcpNetwork`). */
export interface IDhcpNetwork extends IConstruct {
  /** The network id; the namespace on every agent is `qdhcp-<networkId>`. */
  readonly networkId: string;
  /** The namespace on every agent. */
  readonly namespace: string;
  /** The nodes that serve the network, in the order given. */
  readonly agents: readonly DhcpAgentNode[];
  /** The subnets, with ids and defaults filled in. */
  readonly subnets: readonly Subnet[];
  /** The agent options the network is served with (neutron names, camelCase). */
  readonly options: AgentOptions;
  /** One `dhcpagent_network` per provider-mode agent, in the order of `agents` (escape hatch). */
  readonly resources: readonly NetworkResource[];
  /** Per agent: its `dhcpagent_network`, or in provisioner mode its carrier (escape hatch). */
  readonly elements: readonly TerraformResource[];
  /** The client ports declared on this network so far. */
  readonly ports: readonly IDhcpClientPort[];
  /** Whether the network's resources hold its ports (`portsInline`) instead of one resource per port. */
  readonly portsInline: boolean;
  /** The agents' own ports (neutron's DHCP ports) as ports of the network, to check client ports against. */
  dhcpServerPortModels(): Port[];
  /** Each agent's DHCP server address on each DHCP-enabled subnet, in the order of `agents`. */
  dhcpAddresses(): string[][];
  /** The `dhcpagent_network` of `agent`. */
  resourceFor(agent: DhcpAgentNode): NetworkResource;
  /** @internal Called by a client port once it is valid. */
  _addPort(port: IDhcpClientPort): void;
}
