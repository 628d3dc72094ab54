/** A PortSpec completed with what the network kept on the node knows (subnets, DNS domain). */
import { cidrContains } from '../model/ip';
import type { Port } from '../model/types';
import type { NetworkSpec, PortSpec } from './spec';

export function effectivePort(spec: PortSpec, network: NetworkSpec): Port {
  const port = spec.port;
  const fixedIps = port.fixedIps.map((f) => {
    if (f.subnetId) return f;
    const subnet = network.network.subnets.find((s) => cidrContains(s.cidr, f.ipAddress));
    // Left empty when no subnet holds the address: validation then names the address.
    return { ...f, subnetId: subnet?.id ?? '' };
  });
  const domain = network.options.dnsDomain;
  const dnsAssignment =
    port.dnsAssignment ??
    (spec.hostname
      ? fixedIps.map((f) => ({ hostname: spec.hostname!, ipAddress: f.ipAddress, fqdn: domain ? `${spec.hostname}.${domain}.` : spec.hostname! }))
      : undefined);
  return { ...port, fixedIps, ...(dnsAssignment ? { dnsAssignment } : {}) };
}
