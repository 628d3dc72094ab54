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

/** Matches the namespaces of lab `name` (nodes and VMs). */
export function labNetnsPattern(name: string): RegExp {
  return new RegExp(`^${name}-[nv][0-9]+$`);
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
