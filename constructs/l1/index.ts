export { DhcpagentProvider, type DhcpagentProviderConfig } from './provider';
export * from './resources';
