/**
 * A port's metadata as the files the built-in metadata server serves to that port's client, in
 * the two layouts cloud-init reads (checked against cloud-init 22.4, Debian 12's package):
 *
 * - EC2 (`sources/helpers/ec2.py`, `DataSourceEc2`): `/<version>/meta-data` is a listing, one
 *   name per line, a trailing `/` marking a directory; `public-keys` lists `<n>=<name>` and the
 *   key is at `public-keys/<n>/openssh-key`; `/<version>/user-data` (404 when there is none, as
 *   EC2 answers). cloud-init probes `2021-03-23`, `2018-09-24`, `2016-09-02` and falls back to
 *   `2009-04-04`, so the tree is served as `2009-04-04` and `latest`.
 * - OpenStack (`sources/helpers/openstack.py`, `MetadataReader`): `/openstack` lists versions,
 *   one per line; with none it knows, cloud-init takes `latest`; `meta_data.json` must hold
 *   `uuid` (cloud-init's instance-id), `hostname`, `public_keys`; `user_data` and
 *   `network_data.json` are optional.
 *
 * A directory's listing is its file `DIR_INDEX`, which the server answers for the directory's
 * URL with or without a trailing slash (cloud-init asks for `/openstack` and
 * `/latest/meta-data`, without).
 */
import { createHash } from 'node:crypto';
import { ipVersionOf } from '../model/ip';
import type { PortMetadata } from '../model/types';

/** The file holding a directory's listing; no metadata key starts with a dot. */
export const DIR_INDEX = '.index';

/** The EC2 API version cloud-init falls back to; served as a link to `latest`. */
export const EC2_VERSION = '2009-04-04';

/** One file or symbolic link of a port's tree; paths are relative, without a leading slash. */
export type MetadataEntry = { readonly path: string; readonly content: string } | { readonly path: string; readonly linkTo: string };

export interface MetadataSubject {
  readonly portId: string;
  /** The port's addresses; the first IPv4 one is EC2's `local-ipv4`. */
  readonly ipAddresses: readonly string[];
  /** The host name when the metadata gives none: the port's DHCP name (or neutron's `host-<ip>`). */
  readonly defaultHostname: string;
  readonly metadata: PortMetadata;
}

function listing(names: readonly string[]): string {
  return names.join('\n');
}

function keyName(i: number): string {
  return `key-${i}`;
}

function ec2Tree(s: MetadataSubject, instanceId: string, hostname: string): MetadataEntry[] {
  const keys = s.metadata.publicKeys ?? [];
  const ipv4 = s.ipAddresses.find((ip) => ipVersionOf(ip) === 4);
  const leaves: [string, string][] = [
    ['hostname', hostname],
    ['instance-id', instanceId],
    ['local-hostname', hostname],
    ...(ipv4 ? ([['local-ipv4', ipv4]] as [string, string][]) : []),
  ];
  const md = 'latest/meta-data';
  const out: MetadataEntry[] = [
    { path: `${md}/${DIR_INDEX}`, content: listing([...leaves.map(([k]) => k), ...(keys.length ? ['public-keys/'] : [])]) },
    ...leaves.map(([k, v]) => ({ path: `${md}/${k}`, content: v })),
  ];
  if (keys.length) {
    out.push({ path: `${md}/public-keys/${DIR_INDEX}`, content: listing(keys.map((_, i) => `${i}=${keyName(i)}`)) });
    keys.forEach((k, i) => {
      out.push({ path: `${md}/public-keys/${i}/${DIR_INDEX}`, content: 'openssh-key' });
      out.push({ path: `${md}/public-keys/${i}/openssh-key`, content: k });
    });
  }
  const ud = s.metadata.userData;
  out.push({ path: `latest/${DIR_INDEX}`, content: listing(['meta-data/', ...(ud !== undefined ? ['user-data'] : [])]) });
  if (ud !== undefined) out.push({ path: 'latest/user-data', content: ud });
  out.push({ path: EC2_VERSION, linkTo: 'latest' });
  return out;
}

function openstackTree(s: MetadataSubject, instanceId: string, hostname: string): MetadataEntry[] {
  const keys = s.metadata.publicKeys ?? [];
  const metaData = {
    uuid: instanceId,
    name: hostname,
    hostname,
    launch_index: 0,
    public_keys: Object.fromEntries(keys.map((k, i) => [keyName(i), k])),
    keys: keys.map((k, i) => ({ name: keyName(i), type: 'ssh', data: k })),
    meta: {},
  };
  const dir = 'openstack/latest';
  const files: [string, string][] = [['meta_data.json', JSON.stringify(metaData)]];
  if (s.metadata.userData !== undefined) files.push(['user_data', s.metadata.userData]);
  if (s.metadata.networkConfig !== undefined) files.push(['network_data.json', s.metadata.networkConfig]);
  return [
    { path: `openstack/${DIR_INDEX}`, content: 'latest' },
    { path: `${dir}/${DIR_INDEX}`, content: listing(files.map(([n]) => n)) },
    ...files.map(([n, c]) => ({ path: `${dir}/${n}`, content: c })),
  ];
}

/** Every file and link of the port's tree, sorted by path. */
export function renderMetadataTree(s: MetadataSubject): MetadataEntry[] {
  const instanceId = s.metadata.instanceId ?? s.portId;
  const hostname = s.metadata.hostname ?? s.defaultHostname;
  const all: MetadataEntry[] = [
    // `/` lists the EC2 versions, as nova's root does (the OpenStack tree has its own listing).
    { path: DIR_INDEX, content: listing([EC2_VERSION, 'latest']) },
    ...ec2Tree(s, instanceId, hostname),
    ...openstackTree(s, instanceId, hostname),
  ];
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A digest of the whole tree: names the tree's directory on the node, so a change is a new directory. */
export function treeDigest(entries: readonly MetadataEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) h.update(JSON.stringify(e)).update('\n');
  return h.digest('hex').slice(0, 16);
}
