export { nodeResource, nodeSchema } from './node';
export { networkResource, networkSchema } from './network';
export { portResource, portSchema } from './port';
