/**
 * The built-in metadata server (`metadata: { builtin: true }`) as a sidecar (sidecar.ts): one
 * nginx per network in `qdhcp-<id>`, on 169.254.169.254:80, whose root for a client is the
 * tree the port handler published under that client's address (port-metadata.ts). Its config
 * names no port, so ports come and go without a reload; nginx rereads it on SIGHUP (same
 * master pid) when the config itself changes.
 */
import { renderServerConfig } from '../metadata';
import { METADATA_CIDR } from '../model/types';
import { METADATA_PORT } from './metadata-proxy';
import type { DerivedNetwork } from './network-script';
import { METADATA_SERVER_GROUP, metadataByIpDir } from './port-metadata';
import { sidecarPaths, type Sidecar } from './sidecar';
import type { NetworkSpec } from './spec';

export const METADATA_SERVER = 'metadata-server';
/** The Debian package; `nginx-light` on Debian 12 is nginx with fewer modules, enough here. */
export const METADATA_SERVER_PACKAGE = 'nginx-light';

/** The network's metadata server, when its metadata is built in. */
export function metadataServerSidecar(spec: NetworkSpec, d: Pick<DerivedNetwork, 'paths'>): Sidecar | null {
  if (spec.metadata?.builtin !== true) return null;
  const p = sidecarPaths(d.paths.confDir, METADATA_SERVER);
  const argv = ['nginx', '-c', p.conf, '-e', p.log];
  return {
    name: METADATA_SERVER,
    label: 'metadata server (nginx)',
    argv,
    config: renderServerConfig({
      networkId: spec.network.id,
      byIpDir: metadataByIpDir(spec.options.statePath, spec.network.id),
      listen: [`${METADATA_CIDR.split('/')[0]}:${METADATA_PORT}`],
      pidFile: p.pid,
      errorLog: p.log,
      // Not `<name>.tmp`: the sidecar's files are `<name>.*`, removed with rm -f (no directories).
      tempDir: `${p.dir}/.${METADATA_SERVER}-tmp`,
      user: METADATA_SERVER_GROUP,
      group: METADATA_SERVER_GROUP,
    }),
    reloadSignal: 'HUP',
    package: METADATA_SERVER_PACKAGE,
    // nginx writes its title over its command line.
    title: `nginx: master process ${argv.join(' ')}`,
  };
}
