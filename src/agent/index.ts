export * from './spec';
export * from './errors';
export { applyNetwork, createNetwork, updateNetwork, readNetwork, deleteNetwork, stateFromObservation, type NetworkState } from './network';
export { applyPort, createPort, updatePort, readPort, deletePort, type PortState } from './port';
export { applyNode, checkNode, createNode, updateNode, readNode, deleteNode, PrerequisiteError, MIN_DNSMASQ_VERSION, type NodeState } from './node';
export { deriveNetwork, setupScript, CHECKSUM_CHAIN, type DerivedNetwork } from './network-script';
export { monitorPaths } from './monitor';
export { validateNetworkSpec, validatePortSpec, validateNodeSpec, assertValidNetworkSpec } from './validate-spec';
export { networkDir, portsDir, lockFile } from './stored-network';
