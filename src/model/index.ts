/** The network model: types, errors, naming, address math, validation and converters. */
export * from './types';
export * from './errors';
export * from './naming';
export * from './ip';
export * from './dhcp-options';
export * from './validate';
export * from './agent-options';
export * from './neutron-json';
