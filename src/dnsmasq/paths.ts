/**
 * Where neutron keeps a network's dnsmasq files: `<state_path>/dhcp/<network-id>/<kind>`
 * (`dhcp_confs` defaults to `$state_path/dhcp`; `get_conf_file_name(kind)`).
 */
import { posix } from 'node:path';

/** The per-network files dnsmasq and the agent use. */
export interface DnsmasqPaths {
  /** `<statePath>/dhcp/<network-id>` (neutron creates it 0755). */
  readonly confDir: string;
  readonly pidFile: string;
  readonly host: string;
  readonly addnHosts: string;
  readonly opts: string;
  readonly leases: string;
  /** Holds the DHCP interface name (neutron's `interface_name` property). */
  readonly interface: string;
}

/** neutron's file layout for one network; `statePath` should be absolute (paths are for the node, not this process). */
export function networkPaths(statePath: string, networkId: string): DnsmasqPaths {
  const confDir = posix.join(statePath, 'dhcp', networkId);
  const file = (kind: string): string => posix.join(confDir, kind);
  return {
    confDir,
    pidFile: file('pid'),
    host: file('host'),
    addnHosts: file('addn_hosts'),
    opts: file('opts'),
    leases: file('leases'),
    interface: file('interface'),
  };
}
