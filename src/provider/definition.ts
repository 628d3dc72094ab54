/**
 * The dhcpagent provider: its configuration schema and resource types. `main.ts` serves it;
 * keep module-level work here small, Terraform starts the provider several times per command.
 */
import { isUnknown, t } from './cty';
import { errorDiagnostic } from './diagnostics';
import type { ProviderDefinition } from './resource';
import { networkResource, nodeResource, portResource } from './resources';
import { parseGoneNodes, type ProviderData } from './resources/reachability';
import { list } from './resources/values';
import { Gatherings } from '../agent/gather';
import { schemaOf, type Table } from './table';
import { PROVIDER_TYPE_NAME, providerVersion } from './version';

/** The `provider "dhcpagent" { … }` block. */
export const providerTable: Table = {
  description: 'Runs neutron-style DHCP service (network namespaces + dnsmasq) on Linux hosts over SSH.',
  rows: [
    {
      name: 'gone_nodes',
      type: t.list(t.string),
      presence: 'optional',
      description:
        'Nodes that are gone for good, as `host` or `host:port` (port 22 when not given): their networks and ports are never contacted; deleting them (taking the node out of a network\'s agents) only drops them from state. Keep the node\'s `dhcpagent_node` with `gone_for_good = true`: if the node comes back, the next deploy removes what the agent left there.',
    },
  ],
};

export const definition: ProviderDefinition<ProviderData> = {
  typeName: PROVIDER_TYPE_NAME,
  version: providerVersion(),
  providerSchema: schemaOf(providerTable),
  validateConfig(config) {
    if (config.gone_nodes === null || config.gone_nodes === undefined || isUnknown(config.gone_nodes)) return [];
    return parseGoneNodes(list(config.gone_nodes).filter((e) => !isUnknown(e))).problems.map((p) =>
      errorDiagnostic(`Invalid gone_nodes[${p.index}]`, `gone_nodes[${p.index}]: got ${JSON.stringify(p.value)}; ${p.allowed}`, ['gone_nodes', p.index]),
    );
  },
  configure(config) {
    // A new gathering per configuration: one per Terraform operation (see resources/gathered.ts).
    return { data: { goneNodes: parseGoneNodes(list(config.gone_nodes)).keys, gatherings: new Gatherings() } };
  },
  resources: [nodeResource, networkResource, portResource],
};
