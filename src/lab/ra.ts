/**
 * IPv6 router advertisements as a lab VM sees them: the RA itself, read with `rdisc6` (Debian
 * ndisc6), and what the VM's kernel made of it (SLAAC addresses, routes), read with `ip -j`.
 */
import { LabError, mustRun, runCommand } from './exec';
import type { LabVm } from './vm';

/** One prefix information option of an RA. */
export interface RaPrefix {
  /** `fd00:1::/64`. */
  readonly prefix: string;
  /** The L flag. */
  readonly onLink: boolean;
  /** The A flag: hosts form SLAAC addresses in it. */
  readonly autonomous: boolean;
  readonly validSeconds: number;
  readonly preferredSeconds: number;
}

/** A router advertisement as rdisc6 prints it. */
export interface RouterAdvertisement {
  /** The M flag. */
  readonly managed: boolean;
  /** The O flag. */
  readonly other: boolean;
  /** 0: the sender is not a default router. */
  readonly routerLifetimeSeconds: number;
  readonly prefixes: RaPrefix[];
  /** Recursive DNS servers (RFC 8106). */
  readonly dnsServers: string[];
  readonly mtu?: number;
  /** The sender's (link-local) address. */
  readonly from: string;
}

/** What rdisc6 printed, as a {@link RouterAdvertisement}; `null` when it printed none. */
export function parseRdisc6(text: string): RouterAdvertisement | null {
  const prefixes: RaPrefix[] = [];
  const dnsServers: string[] = [];
  let managed: boolean | undefined;
  let other = false;
  let lifetime = 0;
  let mtu: number | undefined;
  let from = '';
  let current: { prefix: string; onLink: boolean; autonomous: boolean; validSeconds: number; preferredSeconds: number } | undefined;
  const yes = (v: string) => v === 'Yes';
  const seconds = (v: string) => Number(v.split(/\s+/)[0]);
  for (const line of text.split('\n')) {
    const fromMatch = /^\s*from (\S+)/.exec(line);
    if (fromMatch) {
      from = fromMatch[1];
      continue;
    }
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    switch (key) {
      case 'Stateful address conf.':
        managed = yes(value);
        break;
      case 'Stateful other conf.':
        other = yes(value);
        break;
      case 'Router lifetime':
        lifetime = seconds(value);
        break;
      case 'MTU':
        mtu = seconds(value);
        break;
      case 'Prefix':
        current = { prefix: value, onLink: false, autonomous: false, validSeconds: 0, preferredSeconds: 0 };
        prefixes.push(current);
        break;
      case 'On-link':
        if (current) current.onLink = yes(value);
        break;
      case 'Autonomous address conf.':
        if (current) current.autonomous = yes(value);
        break;
      case 'Valid time':
        if (current) current.validSeconds = seconds(value);
        break;
      case 'Pref. time':
        if (current) current.preferredSeconds = seconds(value);
        break;
      case 'Recursive DNS server':
        dnsServers.push(value);
        break;
    }
  }
  if (managed === undefined) return null;
  return { managed, other, routerLifetimeSeconds: lifetime, prefixes, dnsServers, ...(mtu !== undefined ? { mtu } : {}), from };
}

/**
 * Solicits a router advertisement from the VM (`rdisc6`: up to `tries` solicitations, a second
 * apart) and returns the first one; `null` when none came.
 */
export async function solicitRouterAdvertisement(vm: LabVm, tries = 3): Promise<RouterAdvertisement | null> {
  const r = await runCommand('ip', ['netns', 'exec', vm.netns, 'rdisc6', '-1', '-n', '-r', String(tries), '-w', '1000', vm.interfaceName], { timeoutMs: tries * 1000 + 5000 });
  return parseRdisc6(r.stdout);
}

/**
 * Makes the VM's interface take router advertisements the way a host does (`accept_ra=1`,
 * `autoconf=1`, not forwarding), then brings it down and up so that it solicits routers at once.
 * @returns the time the link came up (`Date.now()`), to measure from.
 */
export async function acceptRouterAdvertisements(vm: LabVm): Promise<number> {
  const ifName = vm.interfaceName;
  for (const [key, value] of [['forwarding', 0], ['accept_ra', 1], ['autoconf', 1]] as const) {
    await mustRun(`VM ${vm.name}: ${key}=${value}`, 'ip', ['netns', 'exec', vm.netns, 'sysctl', '-q', '-w', `net.ipv6.conf.${ifName}.${key}=${value}`]);
  }
  await mustRun(`VM ${vm.name}: ${ifName} down`, 'ip', ['-n', vm.netns, 'link', 'set', ifName, 'down']);
  const up = Date.now();
  await mustRun(`VM ${vm.name}: ${ifName} up`, 'ip', ['-n', vm.netns, 'link', 'set', ifName, 'up']);
  return up;
}

/** The VM's global IPv6 addresses on its interface that are usable (not tentative), with their flags. */
export async function globalAddresses6(vm: LabVm): Promise<{ address: string; prefixLength: number; dynamic: boolean }[]> {
  const out = await mustRun(`VM ${vm.name}: ip -6 addr`, 'ip', ['-j', '-n', vm.netns, '-6', 'addr', 'show', 'dev', vm.interfaceName, 'scope', 'global']);
  const links = JSON.parse(out || '[]') as { addr_info?: { local?: string; prefixlen?: number; tentative?: boolean; dynamic?: boolean }[] }[];
  // `ip -j` lists the addresses its filter left out as empty objects.
  return links
    .flatMap((l) => l.addr_info ?? [])
    .filter((a) => a.local !== undefined && !a.tentative)
    .map((a) => ({ address: a.local!, prefixLength: a.prefixlen ?? 0, dynamic: a.dynamic === true }));
}

/**
 * Waits until the VM has a usable global IPv6 address (polling every 50 ms) and returns it with
 * the milliseconds since `since`; `null` when none came within `timeoutMs`.
 */
export async function waitForGlobalAddress6(vm: LabVm, since: number, timeoutMs: number): Promise<{ address: string; prefixLength: number; ms: number } | null> {
  const deadline = since + timeoutMs;
  for (;;) {
    const [found] = await globalAddresses6(vm);
    if (found) return { address: found.address, prefixLength: found.prefixLength, ms: Date.now() - since };
    if (Date.now() >= deadline) return null;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** The VM's IPv6 routes (`ip -6 route`), as `ip -j` gives them. */
export async function routes6(vm: LabVm): Promise<{ dst: string; gateway?: string; dev?: string; protocol?: string }[]> {
  const out = await mustRun(`VM ${vm.name}: ip -6 route`, 'ip', ['-j', '-n', vm.netns, '-6', 'route', 'show']);
  try {
    return JSON.parse(out || '[]') as { dst: string; gateway?: string; dev?: string; protocol?: string }[];
  } catch (err) {
    throw new LabError(`VM ${vm.name}: ip -j -6 route printed no JSON: ${out.slice(0, 200)}`, { cause: err });
  }
}
