/**
 * L1: the dhcpagent provider's types as cdktf classes, generated from the provider's schema by
 * cdktf's own generator (constructs/l1/generated/, `npm run gen:l1`), laid out as `cdktf get`
 * lays them out (`network.Network`, `node.Node`, `port.Port`, `provider.DhcpagentProvider`).
 * The names below are those classes with this package's additions: `node` for the generated
 * `nodeAttribute`, and a provider that installs itself into the stack.
 */
export * from './generated';
export { DhcpagentProvider, type DhcpagentProviderConfig } from './provider';
export * from './resources';
