/**
 * A port's built-in metadata on the node: the commands that publish its tree
 * (src/metadata/tree.ts) under the network's metadata directory, remove it, and observe it
 * (sh/port-metadata.sh), and the drift read finds there. The metadata server reads the files
 * with the client's address as its root; no process is signalled when a tree changes.
 */
import { sh } from '../host/quote';
import { shellFile } from '../host/shell-files';
import { ipVersionOf } from '../model/ip';
import { defaultHostname } from '../model/naming';
import type { Port } from '../model/types';
import { renderMetadataTree, treeDigest, type MetadataEntry } from '../metadata';
import { sha256 } from './script';
import type { PortSpec } from './spec';
import { networkDir } from './stored-network';

/** The group of the metadata server's workers (nginx's on Debian): the only ones besides root who may read the trees. */
export const METADATA_SERVER_GROUP = 'www-data';

/** `md_*` functions: after a header that sets MD_DIR and MD_GROUP ({@link metadataHeader}). */
export const PORT_METADATA_LIB = shellFile('agent/sh/port-metadata.sh');

/** `<network dir>/metadata`: the trees and the per-address links. */
export function metadataDir(statePath: string, networkId: string): string {
  return `${networkDir(statePath, networkId)}/metadata`;
}

/** The directory the server takes as a client's root: `<metadata dir>/by-ip/<client address>`. */
export function metadataByIpDir(statePath: string, networkId: string): string {
  return `${metadataDir(statePath, networkId)}/by-ip`;
}

export function metadataHeader(statePath: string, networkId: string): string {
  return [sh`MD_DIR=${metadataDir(statePath, networkId)}`, sh`MD_GROUP=${METADATA_SERVER_GROUP}`].join('\n');
}

/** The port's addresses a client asks 169.254.169.254 from: its IPv4 fixed IPs. */
export function metadataAddresses(port: Pick<Port, 'fixedIps'>): string[] {
  return port.fixedIps.map((f) => f.ipAddress).filter((ip) => ipVersionOf(ip) === 4);
}

/** The port's tree, or `null` when the spec gives it no metadata. `port` is the effective port (DNS names assigned). */
export function portMetadataTree(spec: PortSpec, port: Port): MetadataEntry[] | null {
  if (!spec.metadata) return null;
  const ips = port.fixedIps.map((f) => f.ipAddress);
  const dhcpName = spec.hostname ?? port.dnsAssignment?.[0]?.hostname;
  const first = metadataAddresses(port)[0] ?? ips[0] ?? '';
  return renderMetadataTree({ portId: port.id, ipAddresses: ips, defaultHostname: dhcpName ?? defaultHostname(first), metadata: spec.metadata });
}

/**
 * Shell text bringing the port's metadata on the node to `tree` (or removing it for `null`).
 * `earlier` is the port as this process last saw it: its addresses' links are checked too.
 */
export function metadataCommand(port: Port, tree: MetadataEntry[] | null, earlier: Port | undefined): string {
  const now = metadataAddresses(port).join(' ');
  const before = [...new Set([...metadataAddresses(earlier ?? port), ...metadataAddresses(port)])].join(' ');
  if (!tree) return sh`md_unpublish ${port.id} ${before}`;
  const digest = treeDigest(tree);
  const check = expectedCheck(tree);
  const writes = tree.map((e) => ('content' in e ? sh`md_file ${e.path} ${e.content}` : sh`ln -s ${e.linkTo} "$MD_NEW"/${e.path}`));
  return [sh`if md_tree_begin ${port.id} ${digest} ${check}; then`, ...writes, 'fi', sh`md_publish ${port.id} ${digest} ${now} ${before}`].join('\n');
}

/** What `md_check` prints for an intact copy of `tree` (files 0640, directories 0750, all of the server's group). */
export function expectedCheck(tree: readonly MetadataEntry[]): string {
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const files = tree.flatMap((e) => ('content' in e ? [`./${e.path}`] : [])).sort(byPath);
  const contents = new Map<string, string>(tree.flatMap((e): [string, string][] => ('content' in e ? [[`./${e.path}`, e.content]] : [])));
  const links = tree.flatMap((e) => ('linkTo' in e ? [`./${e.path} -> ${e.linkTo}`] : [])).sort(byPath);
  return sha256([...files.map((f) => `${sha256(contents.get(f)!)}  ${f}\n`), ...links.map((l) => `${l}\n`)].join(''));
}

export function observeMetadataCommand(port: Port): string {
  return sh`md_observe ${metadataAddresses(port).join(' ')}`;
}

/**
 * What differs between the `md_observe` lines and the wanted tree, in plain words (never a
 * file's content). `tree` null: the port should serve nothing.
 */
export function metadataDrift(port: Port, tree: MetadataEntry[] | null, lines: readonly string[]): string[] {
  const links = new Map<string, string>();
  const files = new Map<string, string>();
  const drift: string[] = [];
  let open = 0;
  for (const line of lines) {
    const [kind, a, b] = line.trim().split(' ');
    if (kind === 'link') links.set(a, b);
    else if (kind === 'f' || kind === 'l') files.set(b, `${kind} ${a}`);
    else if (kind === 'open') open++;
    else if (kind === 'group') drift.push(`the port's metadata files belong to group ${a}, not ${METADATA_SERVER_GROUP} (the metadata server's)`);
    else if (kind === 'tree') drift.push(`the port's metadata tree is missing on the node`);
  }
  if (!tree) {
    const served = [...links].filter(([, t]) => t.startsWith(`../trees/${port.id}.`)).map(([ip]) => ip);
    if (served.length) drift.push(`the metadata service still serves this port's metadata to ${served.join(', ')}`);
    return drift;
  }
  const want = `../trees/${port.id}.${treeDigest(tree)}`;
  for (const ip of metadataAddresses(port)) {
    const t = links.get(ip) ?? 'missing';
    if (t === 'missing') drift.push(`no metadata is published for ${ip}`);
    else if (!t.startsWith(`../trees/${port.id}.`)) drift.push(`the metadata published for ${ip} is another port's`);
    else if (t !== want) drift.push(`the metadata published for ${ip} is not the spec's`);
  }
  if (links.size && [...links.values()][0] === want) {
    for (const e of tree) {
      const have = files.get(e.path);
      const expected = 'content' in e ? `f ${sha256(e.content)}` : `l ${e.linkTo}`;
      if (have === undefined) drift.push(`metadata file ${e.path} is missing`);
      else if (have !== expected) drift.push(`metadata file ${e.path} differs from the spec`);
      files.delete(e.path);
    }
    if (files.size) drift.push(`the port's metadata tree holds files the spec does not: ${[...files.keys()].join(', ')}`);
  }
  if (open) drift.push(`${open} of the port's metadata files can be read by users other than root and group ${METADATA_SERVER_GROUP}`);
  return drift;
}
