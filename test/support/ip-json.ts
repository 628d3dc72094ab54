/**
 * The fields tests read from `ip -j link show`, `ip -j addr show` and `ip -d -j link show`.
 * Typed as present: a test that reads one the kernel did not report fails either way.
 */
export interface IpJson {
  ifname: string;
  flags: string[];
  address: string;
  master?: string;
  mtu: number;
  addr_info: { family: string; local: string; prefixlen: number }[];
  linkinfo: { info_kind: string; info_data: { id: number } };
}

/** Parses the output of `ip -j …` (a JSON list of links or addresses). */
export function ipJson(text: string): IpJson[] {
  return JSON.parse(text) as IpJson[];
}
