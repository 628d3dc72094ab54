export { DhcpAgentNode, type DhcpAgentNodeProps, type AgentMode } from './dhcp-agent-node';
export type { CarrierType } from './carrier';
export { DhcpNetwork } from './dhcp-network';
export type { IDhcpNetwork, IDhcpClientPort } from './dhcp-network-base';
export type { DhcpNetworkProps, DhcpSubnetProps, DhcpHostRoute, DhcpAllocationPool, DhcpServerPort, DhcpNetworkMetadata } from './dhcp-network-props';
export type { DhcpNetworkFromNeutronOptions } from './dhcp-network-from-neutron';
export { DhcpPort, type DhcpPortProps, type DhcpFixedIp, type DhcpExtraOption, type DhcpPortMetadata } from './dhcp-port';
export * as l1 from './l1';
