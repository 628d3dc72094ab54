/** The throwing variants: one `ValidationError` carrying every issue. */
import type { AgentOptions, Network, Port, Subnet } from '../types';
import { validateAgentOptions } from './agent-options';
import { assertNoIssues } from './issues';
import { validateNetwork } from './networks';
import { validatePort } from './ports';
import { validateSubnet } from './subnets';

/** Throws `ValidationError` with every issue of `validateNetwork`. */
export function assertValidNetwork(network: Network): void {
  assertNoIssues(validateNetwork(network));
}

/** Throws `ValidationError` with every issue of `validateSubnet`. */
export function assertValidSubnet(subnet: Subnet, path = ''): void {
  assertNoIssues(validateSubnet(subnet, path));
}

/** Throws `ValidationError` with every issue of `validatePort`. */
export function assertValidPort(port: Port, network: Network, path = ''): void {
  assertNoIssues(validatePort(port, network, path));
}

/** Throws `ValidationError` with every issue of `validateAgentOptions`. */
export function assertValidAgentOptions(o: AgentOptions, path = ''): void {
  assertNoIssues(validateAgentOptions(o, path));
}
