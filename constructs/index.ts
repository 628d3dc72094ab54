export { DhcpAgentNode, type DhcpAgentNodeProps, type AgentMode } from './dhcp-agent-node';
export type { CarrierType } from './carrier';
export {
  DhcpNetwork,
  type DhcpNetworkProps,
  type DhcpSubnetProps,
  type DhcpHostRoute,
  type DhcpAllocationPool,
  type DhcpServerPort,
  type DhcpNetworkFromNeutronOptions,
} from './dhcp-network';
export { DhcpPort, type DhcpPortProps, type DhcpFixedIp, type DhcpExtraOption } from './dhcp-port';
export * as l1 from './l1';
