/** Transports: how the agent reaches the machines it acts on. */
export * from './types';
export { shq, sh, raw, RawShell } from './quote';
export { SshHost, SshPool, defaultSshPool, remoteCommand } from './ssh';
export { resolveSshHostConfig, expandHome, sshLabel, type SshHostConfig, type ResolvedSshHostConfig } from './ssh-config';
export { RECONNECT_DELAYS_MS, type ExecOutput } from './ssh-pool';
export { LocalHost } from './local';
export { Semaphore } from './semaphore';
export {
  fingerprintSha256,
  normalizeFingerprint,
  keyTypeOfBlob,
  knownHostsLookupName,
  parseKnownHosts,
  hostFieldMatches,
  hashHostName,
  checkKnownHosts,
  knownKeyTypes,
  type KnownHostsEntry,
  type KnownHostsVerdict,
} from './known-hosts';
export { writeFileScript, readFileScript, READ_MISSING_EXIT } from './file-scripts';
