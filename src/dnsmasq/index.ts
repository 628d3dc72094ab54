/**
 * Pure renderers of neutron's dnsmasq files and command line. Full files are compositions of
 * per-port fragments and network-level parts, so callers can assemble them on the node.
 */
import { renderArgv } from './argv';
import type { RenderContext } from './render-context';
import { renderAddnHosts, renderHostFile } from './hosts';
import { renderLeases } from './leases';
import { renderOpts } from './opts';
import type { DnsmasqPaths } from './paths';

export type { RenderContext, HostEntry } from './render-context';
export {
  DHCP_CONFIG_NOT_REQUIRED_OWNERS,
  ROUTER_INTERFACE_OWNERS,
  portRequiresDhcpConfiguration,
  isolatedSubnets,
} from './render-context';
export { hostLinesForPort, addnHostsLinesForPort, renderHostFile, renderAddnHosts } from './hosts';
export { formatOption, subnetOptLines, optLinesForPort, dhcpServerDnsOptLines, renderOpts } from './opts';
export { leaseFilePreamble, leaseLinesForPort, renderLeases } from './leases';
export { renderArgv, needsRestart, dnsLogFile } from './argv';
export { networkPaths, type DnsmasqPaths } from './paths';

/** Everything dnsmasq needs for one network. */
export interface RenderedNetwork {
  readonly host: string;
  readonly addnHosts: string;
  readonly opts: string;
  readonly leases: string;
  readonly argv: string[];
}

/** Renders all files and the argv of one network. */
export function renderNetwork(ctx: RenderContext, paths: DnsmasqPaths, interfaceName: string, nowSeconds: number): RenderedNetwork {
  return {
    host: renderHostFile(ctx),
    addnHosts: renderAddnHosts(ctx),
    opts: renderOpts(ctx),
    leases: renderLeases(ctx, nowSeconds),
    argv: renderArgv(ctx, paths, interfaceName),
  };
}
