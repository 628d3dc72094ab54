/**
 * The `host` (`--dhcp-hostsfile`) and `addn_hosts` (`--addn-hosts`) files, as neutron's
 * `_output_hosts_file` and `_output_addn_hosts_file`.
 */
import type { Port } from '../model/types';
import {
  PORT_TAG_PREFIX,
  clientIdOf,
  formatAddressForDnsmasq,
  hostEntries,
  subnetIndex,
  type RenderContext,
} from './render-context';

/**
 * The host-file lines of one port (each ending in `\n`, or `''`):
 * `mac,[tag:dhcpv6,][id:<client-id>,]<fqdn>,<ip>[,set:port-<id>]`, and
 * `mac,[tag:dhcpv6,]set:port-<id>` for DHCPv6-stateless addresses of ports with extra options.
 */
export function hostLinesForPort(port: Port, ctx: RenderContext): string {
  const { dhcpEnabledIds } = subnetIndex(ctx.network.subnets);
  const hasExtraOpts = port.extraDhcpOpts.length > 0;
  const portTag = `set:${PORT_TAG_PREFIX}${port.id}`;
  const mac = port.macAddress;
  let out = '';
  for (const e of hostEntries(port, ctx, true)) {
    if (e.noDhcp) {
      // Stateless clients still ask for options: tag them so per-port options reach them.
      if (!e.noOpts && hasExtraOpts) out += `${mac},${e.tag}${portTag}\n`;
      continue;
    }
    if (!dhcpEnabledIds.has(e.subnetId)) continue;
    const ip = formatAddressForDnsmasq(e.ipAddress);
    if (!hasExtraOpts) {
      out += `${mac},${e.tag}${e.fqdn},${ip}\n`;
      continue;
    }
    const clientId = clientIdOf(port);
    if (clientId && port.extraDhcpOpts.length > 1) {
      out += `${mac},${e.tag}id:${clientId},${e.fqdn},${ip},${portTag}\n`;
    } else if (clientId) {
      // client-id is the only extra option: no per-port options to select.
      out += `${mac},${e.tag}id:${clientId},${e.fqdn},${ip}\n`;
    } else {
      out += `${mac},${e.tag}${e.fqdn},${ip},${portTag}\n`;
    }
  }
  return out;
}

/**
 * The addn_hosts lines of one port: `<ip>\t<fqdn> <hostname>\n` for every fixed IP (DHCP
 * enabled or not, IPv6 unbracketed); fqdn first so PTR answers carry it.
 */
export function addnHostsLinesForPort(port: Port, ctx: RenderContext): string {
  return hostEntries(port, ctx, false)
    .map((e) => `${e.ipAddress}\t${e.fqdn} ${e.hostname}\n`)
    .join('');
}

/** The whole `host` file: the ports' lines in port order. */
export function renderHostFile(ctx: RenderContext): string {
  return ctx.network.ports.map((p) => hostLinesForPort(p, ctx)).join('');
}

/** The whole `addn_hosts` file: the ports' lines in port order. */
export function renderAddnHosts(ctx: RenderContext): string {
  return ctx.network.ports.map((p) => addnHostsLinesForPort(p, ctx)).join('');
}
