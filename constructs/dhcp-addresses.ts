/**
 * Synth-time choice of each agent's DHCP port address on each DHCP-enabled subnet, as neutron
 * allocates a DHCP port: the first free addresses of the allocation pools, avoiding the
 * gateway and every address the app gives its ports.
 */
import { ValidationError } from '../src/model/errors';
import { addressAt, canonicalIp, cidrContains, ipToBigInt, parseCidr } from '../src/model/ip';
import type { Subnet } from '../src/model/types';

/** Gives up looking for a free address after this many candidates in one subnet. */
const MAX_CANDIDATES = 1_000_000n;

/**
 * @param subnets the network's subnets
 * @param agents how many agents (DHCP ports) need addresses
 * @param fixed per agent, addresses given explicitly (used as they are, on the subnet that holds them)
 * @param taken addresses of the app's ports
 * @returns per agent, one address per DHCP-enabled subnet, in subnet order
 * @throws ValidationError naming the subnet's pools (or CIDR) when it has no free address left for an agent
 */
export function allocateDhcpAddresses(subnets: readonly Subnet[], agents: number, fixed: readonly (readonly string[] | undefined)[], taken: Iterable<string>): string[][] {
  const used = new Set<string>();
  for (const ip of taken) used.add(canonicalIp(ip) ?? ip);
  for (const list of fixed) for (const ip of list ?? []) used.add(canonicalIp(ip) ?? ip);
  const out: string[][] = Array.from({ length: agents }, () => []);
  for (const subnet of subnets.filter((s) => s.enableDhcp)) {
    const gateway = subnet.gatewayIp ? canonicalIp(subnet.gatewayIp) : null;
    const candidates = candidatesOf(subnet);
    for (let i = 0; i < agents; i++) {
      const given = (fixed[i] ?? []).find((ip) => cidrContains(subnet.cidr, ip));
      if (given) {
        out[i].push(canonicalIp(given) ?? given);
        continue;
      }
      let chosen: string | null = null;
      for (let n = 0n; n < MAX_CANDIDATES; n++) {
        const next = candidates.next();
        if (next.done) break;
        if (next.value !== gateway && !used.has(next.value)) {
          chosen = next.value;
          break;
        }
      }
      if (!chosen) throw exhausted(subnets.indexOf(subnet), subnet, i, agents);
      used.add(chosen);
      out[i].push(chosen);
    }
  }
  return out;
}

function exhausted(index: number, subnet: Subnet, agent: number, agents: number): ValidationError {
  const pools = subnet.allocationPools.length > 0;
  return new ValidationError([
    {
      path: `subnets[${index}].${pools ? 'allocationPools' : 'cidr'}`,
      value: pools ? subnet.allocationPools : subnet.cidr,
      allowed:
        `${pools ? 'allocation pools' : 'a subnet'} with a free address for the DHCP port of each of the ${agents} agent(s); ` +
        `none is left for agents[${agent}] (the gateway, the addresses of the network's ports and of the other agents' DHCP ports are taken)`,
    },
  ]);
}

/** Addresses of the allocation pools in order, or of the whole subnet without its network/broadcast addresses. */
function* candidatesOf(subnet: Subnet): Generator<string> {
  const cidr = parseCidr(subnet.cidr)!;
  const base = ipToBigInt(cidr.network)!;
  const ranges: [bigint, bigint][] = subnet.allocationPools.length
    ? subnet.allocationPools.map((p) => [ipToBigInt(p.start)! - base, ipToBigInt(p.end)! - base])
    : [[1n, cidr.version === 4 && cidr.prefixLength < 31 ? cidr.size - 2n : cidr.size - 1n]];
  for (const [from, to] of ranges) {
    for (let o = from; o <= to; o++) {
      const ip = addressAt(subnet.cidr, o);
      if (ip) yield ip;
    }
  }
}
