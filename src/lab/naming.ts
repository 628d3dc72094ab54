/**
 * Names and addresses of a lab's pieces. Every namespace and root-namespace device of lab
 * `<name>` starts with `<name>-`; lab names have no `-`, so one lab's prefix never matches
 * another lab's names.
 */
import { createHash } from 'node:crypto';

const NAME_RE = /^[a-z0-9]{1,8}$/;

/** Checks a lab name: `[a-z0-9]{1,8}` (it prefixes devices, whose names have 15 characters). */
export function checkLabName(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new RangeError(`lab name: got ${JSON.stringify(name)}; 1 to 8 characters of a-z and 0-9 are allowed`);
  }
}

/** Default state directory of a lab. */
export function defaultLabDir(name: string): string {
  return `/var/lib/dhcp-agent-lab/${name}`;
}

/** Upper bound on nodes: the per-lab /24 holds 64 /30 links. */
export const MAX_NODES = 64;

export const nodeNetns = (lab: string, i: number): string => `${lab}-n${i}`;
export const hostVeth = (lab: string, i: number): string => `${lab}-h${i}`;
export const nodeVeth = (lab: string, i: number): string => `${lab}-p${i}`;
export const vmNetns = (lab: string, k: number): string => `${lab}-v${k}`;
export const vmNodeVeth = (lab: string, k: number): string => `${lab}-t${k}`;
export const labBridge = (lab: string): string => `br-${lab}`;

/** The lab switch's namespace (it holds one bridge, {@link SWITCH_BRIDGE}). */
export const switchNetns = (lab: string): string => `${lab}-s0`;
/** The bridge inside the switch namespace: no VLAN filtering, so tagged frames pass as they are. */
export const SWITCH_BRIDGE = 'switch';
/** The switch-side end of node `i`'s physical interface. */
export const switchNodePort = (lab: string, i: number): string => `${lab}-e${i}`;
/** The name of every node's "physical" interface, plugged into the switch. */
export const NODE_PHYSICAL_INTERFACE = 'eth1';

/**
 * Source name of the tmpfs an isolated node mounts on its private `/run/netns`. It shows in
 * `/proc/<pid>/mountinfo` of every process in the node's mount namespace and of those copied
 * from it (`ip netns exec` makes one per command, dnsmasq included), which is how `labDown`
 * finds them when their network namespaces have no name outside the node.
 */
export const isolatedNetnsTmpfs = (lab: string, i: number): string => `dhcp-agent-lab-${lab}-n${i}`;

/** Matches the {@link isolatedNetnsTmpfs} names of lab `name`. */
export function isolatedNetnsTmpfsPattern(name: string): RegExp {
  return new RegExp(`^dhcp-agent-lab-${name}-n[0-9]+$`);
}

/** Matches the namespaces of lab `name` (nodes, VMs and the switch). */
export function labNetnsPattern(name: string): RegExp {
  return new RegExp(`^${name}-[nvs][0-9]+$`);
}

/**
 * The lab's blocks live in the RFC 2544 benchmarking range 198.18.0.0/15: 512 /24s, numbered
 * 0..511. A lab starts probing at a block derived from its name.
 */
export const BLOCK_COUNT = 512;

export function preferredBlock(name: string): number {
  return createHash('sha256').update(name).digest().readUInt16BE(0) % BLOCK_COUNT;
}

/** `198.18.0.0/24` … `198.19.255.0/24` for blocks 0..511. */
export function blockPrefix(block: number): string {
  return `198.${18 + (block >> 8)}.${block & 255}`;
}

/** Block number of an IPv4 address in 198.18.0.0/15, or undefined outside it. */
export function blockOfAddress(address: string): number | undefined {
  const m = /^198\.(18|19)\.(\d+)\.\d+$/.exec(address);
  return m ? (Number(m[1]) - 18) * 256 + Number(m[2]) : undefined;
}

/** The /30 of node `i`: the root-namespace end gets `.4i+1`, the node `.4i+2`. */
export function nodeLinkAddresses(block: number, i: number): { host: string; node: string; prefixLength: 30 } {
  const p = blockPrefix(block);
  return { host: `${p}.${4 * i + 1}`, node: `${p}.${4 * i + 2}`, prefixLength: 30 };
}
