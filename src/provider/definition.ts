/**
 * The dhcpagent provider: its configuration schema and resource types. `main.ts` serves it;
 * keep module-level work here small, Terraform starts the provider several times per command.
 */
import type { ProviderDefinition } from './resource';
import { networkResource, nodeResource, portResource } from './resources';
import { PROVIDER_TYPE_NAME, providerVersion } from './version';

export const definition: ProviderDefinition = {
  typeName: PROVIDER_TYPE_NAME,
  version: providerVersion(),
  providerSchema: {
    description: 'Runs neutron-style DHCP service (network namespaces + dnsmasq) on Linux hosts over SSH.',
    attributes: {},
  },
  resources: [nodeResource, networkResource, portResource],
};
