export * from './tree';
export * from './server-config';
