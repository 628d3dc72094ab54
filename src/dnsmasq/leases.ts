/**
 * The initial `leases` file (`--dhcp-leasefile`), written before dnsmasq first starts, as
 * neutron's `_output_init_lease_file`: `<timestamp> <mac> <ip> * *` for every address on a
 * DHCP-enabled IPv4 subnet, so a rescheduled or restarted dnsmasq does not NAK renewals.
 */
import type { Port } from '../model/types';
import { canonicalIp, ipVersionOf } from '../model/ip';
import { hostEntries, subnetIndex, type RenderContext } from './render-context';

interface ExistingLeases {
  /** `duid …` lines, each with its line ending. */
  readonly duidLines: string;
  /** canonical IPv6 address → its whole lease line (with its line ending, if it had one). */
  readonly ipv6: ReadonlyMap<string, string>;
}

const NO_LEASES: ExistingLeases = { duidLines: '', ipv6: new Map() };
let lastParsed: { text: string; parsed: ExistingLeases } | undefined;

/** Reads an existing leases file the way neutron does (text mode: `\r\n` and `\r` become `\n`). */
function parseExistingLeases(text: string | undefined): ExistingLeases {
  if (!text) return NO_LEASES;
  // Per-port calls share one file: keep the last parse.
  if (lastParsed?.text === text) return lastParsed.parsed;
  const lines = text.replace(/\r\n?/g, '\n').match(/[^\n]*\n|[^\n]+$/g) ?? [];
  let duidLines = '';
  const ipv6 = new Map<string, string>();
  for (const line of lines) {
    if (line.startsWith('duid ')) {
      duidLines += line;
      continue;
    }
    const parts = line.split(' ');
    if (parts.length !== 5) continue;
    const key = ipVersionOf(parts[2]) === 6 ? canonicalIp(parts[2]) : null;
    if (key) ipv6.set(key, line);
  }
  const parsed = { duidLines, ipv6 };
  lastParsed = { text, parsed };
  return parsed;
}

function leaseTimestamp(ctx: RenderContext, nowSeconds: number): number {
  if (ctx.leaseTimestamps !== 'expiry') return 0;
  const duration = ctx.options.dhcpLeaseDuration;
  // dnsmasq reads 0 as "never expires".
  return duration === -1 ? 0 : Math.floor(nowSeconds) + duration;
}

/**
 * The part of the leases file that belongs to no port: the `duid` lines of
 * `ctx.existingLeases` ('' without an existing file).
 */
export function leaseFilePreamble(ctx: RenderContext): string {
  return parseExistingLeases(ctx.existingLeases).duidLines;
}

/**
 * The lease lines of one port: one per address on a DHCP-enabled IPv4 subnet, plus the
 * existing lease line of each address on a DHCP-enabled IPv6 subnet served over DHCPv6.
 * `nowSeconds` only matters with `ctx.leaseTimestamps === 'expiry'`.
 */
export function leaseLinesForPort(port: Port, ctx: RenderContext, nowSeconds: number): string {
  const byId = subnetIndex(ctx.network.subnets).byId;
  const existing = parseExistingLeases(ctx.existingLeases);
  const timestamp = leaseTimestamp(ctx, nowSeconds);
  let out = '';
  for (const e of hostEntries(port, ctx, false)) {
    if (e.noDhcp) continue;
    const subnet = byId.get(e.subnetId);
    if (!subnet?.enableDhcp) continue;
    if (subnet.ipVersion === 4) {
      out += `${timestamp} ${port.macAddress} ${e.ipAddress} * *\n`;
    } else {
      const key = canonicalIp(e.ipAddress);
      const kept = key ? existing.ipv6.get(key) : undefined;
      if (kept !== undefined) out += kept;
    }
  }
  return out;
}

/** The whole initial leases file: preamble, then the ports' lines in port order. */
export function renderLeases(ctx: RenderContext, nowSeconds: number): string {
  return leaseFilePreamble(ctx) + ctx.network.ports.map((p) => leaseLinesForPort(p, ctx, nowSeconds)).join('');
}
