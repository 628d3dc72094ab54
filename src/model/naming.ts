/**
 * Names and identities derived the way neutron derives them, so that a node served by this
 * project looks like one served by neutron-dhcp-agent (and the other way round).
 */
import { createHash } from 'node:crypto';

/** Linux caps interface names at 15 characters; neutron uses 14 (`DEV_NAME_LEN`). */
export const DEV_NAME_LEN = 14;

/** `qdhcp-<network-id>`: the namespace neutron's DHCP agent creates per network. */
export function namespaceName(networkId: string): string {
  return `qdhcp-${networkId}`;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Characters of an id a device name keeps after its 3-character prefix (`tap`, `brq`, `ns-`). */
const ID_CHARS = DEV_NAME_LEN - 3;

/**
 * The part of a device name that stands for an id. UUIDs (neutron's ids) and ids that fit keep
 * neutron's cut, byte for byte: adopting a network neutron set up depends on it. A longer id of
 * another form would lose characters (`tenant-a-net1` and `tenant-a-net2` both cut to
 * `tenant-a-ne`), so it becomes its first 3 characters, "_" and 7 base-32 digits of a SHA-256
 * of the whole id: "_" never occurs in an id, so such a name cannot equal a cut one.
 */
export function deviceIdPart(id: string): string {
  if (id.length <= ID_CHARS || UUID_RE.test(id)) return id.slice(0, ID_CHARS);
  const digest = createHash('sha256').update(id, 'utf8').digest();
  let bits = 0n;
  for (const b of digest.subarray(0, 5)) bits = (bits << 8n) | BigInt(b);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let hash = '';
  for (let i = 0; i < 7; i++) hash += alphabet[Number((bits >> BigInt(35 - 5 * (i + 1))) & 31n)];
  return `${id.slice(0, ID_CHARS - 8)}_${hash}`;
}

/** The veth end inside the namespace: `ns-` + port id, cut to 14 characters (see deviceIdPart). */
export function nsDeviceName(portId: string): string {
  return `ns-${deviceIdPart(portId)}`;
}

/** The veth end in the node's root namespace: `tap` + port id, cut to 14 characters (see deviceIdPart). */
export function tapDeviceName(portId: string): string {
  return `tap${deviceIdPart(portId)}`;
}

/** The bridge neutron's linuxbridge agent creates per network: `brq` + network id, 14 characters (see deviceIdPart). */
export function bridgeName(networkId: string): string {
  return `brq${deviceIdPart(networkId)}`;
}

/** `host-10-0-0-5`, `host-fd00--5`: neutron's hostname for an address without a DNS name. */
export function defaultHostname(ipAddress: string): string {
  return `host-${ipAddress.replace(/[.:]/g, '-')}`;
}

/** `<hostname>.<domain>`, or the bare hostname when there is no domain. */
export function fqdn(hostname: string, domain: string | undefined): string {
  const d = (domain ?? '').replace(/\.$/, '');
  return d ? `${hostname}.${d}` : hostname;
}

/** Namespace UUID for the name-based ids below (a fixed, random v4 UUID owned by this project). */
export const PROJECT_UUID_NAMESPACE = '6f1d3c52-8a3e-4f0e-9b7a-2d5c9e1a4b30';

/** RFC 4122 version-5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace: string = PROJECT_UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`uuidV5: namespace must be a UUID, got ${JSON.stringify(namespace)}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of a node's own port on a network (neutron's DHCP port) when none is given: UUID v5 of node + network. */
export function dhcpPortId(nodeId: string, networkId: string): string {
  return uuidV5(`dhcp-port/${nodeId}/${networkId}`);
}

/** A MAC in OpenStack's `fa:16:3e` range, stable for the same seed. */
export function deterministicMac(seed: string): string {
  const h = createHash('sha256').update(seed, 'utf8').digest();
  const tail = [h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0')).join(':');
  return `fa:16:3e:${tail}`;
}

/** The MAC of a node's own port on a network (neutron's DHCP port) when none is given. */
export function dhcpPortMac(nodeId: string, networkId: string): string {
  return deterministicMac(`dhcp-port/${nodeId}/${networkId}`);
}
