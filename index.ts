/** cdktf-dhcp-agent: neutron-style DHCP service on Linux hosts, declared with CDK for Terraform. */
export * from './constructs';
export type { Network, Subnet, Port, AgentOptions, Ipv6Mode, IpVersion } from './src/model/types';
export { ValidationError, type ValidationIssue } from './src/model/errors';
export { labNode, labNodeTfvars, type LabStackNode, type LabNodeOptions } from './src/lab/stack-node';
