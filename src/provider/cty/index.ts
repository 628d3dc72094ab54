export * from './unmarshal';
