import { Construct } from 'constructs';
import type { ValidationIssue } from '../src/model/errors';
import { cidrContains } from '../src/model/ip';
import { uuidV5 } from '../src/model/naming';
import type { IpVersion, Port } from '../src/model/types';
import { checkHostname, metadataIssues, validatePort } from '../src/model/validate';
import { SECRET_SHOWN_AS } from '../src/model/secrets';
import type { IDhcpClientPort, IDhcpNetwork } from './dhcp-network-base';
import { PortResource, type InlinePortConfig } from './l1/resources';
import { toTerraformAttributes } from './l1/attributes';
import { createCarrier } from './carrier';
import { forgetEarlierResource } from './forget-earlier';
import type { TerraformResource } from 'cdktf';
import { checkUnlessToken, throwIfInvalid, unresolved } from './validation';

/** One address of a {@link DhcpPort}. */
export interface DhcpFixedIp {
  /** The address. */
  readonly ipAddress: string;
  /**
   * The subnet it is on.
   * @default - the network's subnet that holds `ipAddress`
   */
  readonly subnetId?: string;
}

/** A per-port DHCP option (neutron's extra_dhcp_opts). */
export interface DhcpExtraOption {
  /** dnsmasq option name (`tftp-server`, `bootfile-name`), number (`66`), optionally with `tag:<tag>,` prefixes. */
  readonly optName: string;
  /** The value, as dnsmasq takes it; lists are comma-separated. */
  readonly optValue: string;
  /**
   * IP version the option is for.
   * @default 4
   */
  readonly ipVersion?: IpVersion;
}

/**
 * What the network's built-in metadata service serves the port's client at
 * http://169.254.169.254 (EC2 and OpenStack layouts, as cloud-init reads them).
 */
export interface DhcpPortMetadata {
  /**
   * The instance id (EC2 `instance-id`, OpenStack `uuid`).
   * @default - the port id
   */
  readonly instanceId?: string;
  /**
   * The host name cloud-init sets.
   * @default - the port's `hostname`, else `host-<ip with dashes>`
   */
  readonly hostname?: string;
  /**
   * User-data (cloud-config, a script…), at most 65535 bytes. It may hold secrets: it is
   * sensitive in the provider's schema, never shown in messages, and on the node readable only
   * by the metadata server's user.
   * @default - none (EC2's user-data answers 404)
   */
  readonly userData?: string;
  /**
   * OpenSSH public keys, one line each.
   * @default - none
   */
  readonly publicKeys?: string[];
  /**
   * OpenStack `network_data.json`, as JSON text (`JSON.stringify({ links, networks, services })`).
   * @default - none (no `network_data.json`)
   */
  readonly networkConfig?: string;
}

/** Properties of a {@link DhcpPort}. */
export interface DhcpPortProps {
  /** The network the port is on (a `DhcpNetwork`). */
  readonly network: IDhcpNetwork;
  /** The client's MAC address, `xx:xx:xx:xx:xx:xx`. */
  readonly macAddress: string;
  /** The client's addresses, at most one per subnet. */
  readonly fixedIps: DhcpFixedIp[];
  /**
   * Port id (neutron's, when migrating).
   * @default - a stable UUID derived from the construct path
   */
  readonly portId?: string;
  /**
   * The client's host name (a DNS label).
   * @default - `host-<ip with dashes>`, as neutron names it
   */
  readonly hostname?: string;
  /**
   * Per-port DHCP options (PXE boot and the like).
   * @default - none
   */
  readonly extraDhcpOpts?: DhcpExtraOption[];
  /**
   * neutron's device owner, e.g. `compute:nova`.
   * @default - none
   */
  readonly deviceOwner?: string;
  /**
   * Metadata served to the client by the network's built-in metadata service.
   * @default - none: the port's addresses get 404 from the metadata service
   */
  readonly metadata?: DhcpPortMetadata;
}

/**
 * A client reservation on a `DhcpNetwork`: the machine with `macAddress` gets `fixedIps` by DHCP,
 * with its host name and options, from every agent of the network (a neutron port of a VM, as
 * the agent writes it into dnsmasq's host file). Not what neutron calls a "DHCP port": that is
 * the agent's own port on the network (device owner `network:dhcp`), set with the network's
 * `dhcpPorts` (`DhcpServerPort`). Adding, changing or removing a
 * port reloads dnsmasq (SIGHUP); it never restarts it (except on dnsmasq < 2.91 while a
 * client with options holds a lease, where SIGHUP would crash it). Escape hatches: `resources`
 * (the `dhcpagent_port` L1 resources) and `elements` (with carriers in provisioner mode).
 *
 * @example
 * new DhcpPort(stack, 'vm1', {
 *   network: net,
 *   macAddress: 'fa:16:3e:65:29:6d',
 *   fixedIps: [{ ipAddress: '172.16.0.10' }],
 *   hostname: 'vm1',
 *   extraDhcpOpts: [{ optName: 'tftp-server', optValue: '172.16.0.5' }],
 *   metadata: { userData: '#cloud-config\npackages: [nginx]\n', publicKeys: ['ssh-ed25519 AAAAC3Nza… alice'] },
 * });
 */
export class DhcpPort extends Construct implements IDhcpClientPort {
  /** The network the port is on. */
  readonly network: IDhcpNetwork;
  /** Port id, given or derived from the construct path. */
  readonly portId: string;
  /** The client's MAC address, lower case (as given when it is a token). */
  readonly macAddress: string;
  /** The addresses, with subnet ids resolved. */
  readonly fixedIps: readonly { readonly ipAddress: string; readonly subnetId: string }[];
  /** The client's host name as given; unset means neutron's `host-<ip with dashes>`. */
  readonly hostname?: string;
  /** Per-port DHCP options; empty when none. */
  readonly extraDhcpOpts: readonly DhcpExtraOption[];
  /** neutron's device owner; empty when unset. */
  readonly deviceOwner: string;
  /** One `dhcpagent_port` per provider-mode agent of the network, in the order of its agents (escape hatch); none when the network holds its ports (`portsInline`). */
  readonly resources: readonly PortResource[];
  /**
   * Per agent of the network, the resource that holds the port (escape hatch): its
   * `dhcpagent_port`, or in provisioner mode the carrier; with `portsInline`, the network's own.
   */
  readonly elements: readonly TerraformResource[];
  /** The port's own attributes, as its `dhcpagent_port`s and its network's inline `ports` take them. */
  private readonly ownFields: Omit<InlinePortConfig, 'id'>;

  constructor(scope: Construct, id: string, props: DhcpPortProps) {
    super(scope, id);
    const network = props.network;
    this.network = network;
    this.portId = props.portId ?? uuidV5(`port/${this.node.path}`);
    this.macAddress = unresolved(props.macAddress) ? props.macAddress : props.macAddress.toLowerCase();
    this.fixedIps = props.fixedIps.map((f) => ({
      ipAddress: f.ipAddress,
      subnetId: f.subnetId ?? network.subnets.find((s) => !unresolved(f.ipAddress) && cidrContains(s.cidr, f.ipAddress))?.id ?? '',
    }));
    this.hostname = props.hostname;
    this.extraDhcpOpts = props.extraDhcpOpts ?? [];
    this.deviceOwner = props.deviceOwner ?? '';
    const issues: ValidationIssue[] = [];
    checkUnlessToken(issues, props.hostname, (h) => (h === undefined ? null : checkHostname(h, 'hostname')));
    if (props.metadata?.userData !== undefined && network.agents.some((a) => a.mode !== 'provider')) {
      // A carrier's payload is plain `input`: Terraform would print the user-data in every plan.
      issues.push({ path: 'metadata.userData', value: SECRET_SHOWN_AS, allowed: 'unset while an agent of the network is in portable (provisioner) mode: the carrier would show it in plan output; use the provider (dhcpagent_port marks user_data sensitive)' });
    }
    if (props.metadata !== undefined) {
      // Each field alone: a token in one (a secret from a data source) leaves the others checked.
      for (const [k, v] of Object.entries(props.metadata) as [string, unknown][]) {
        if (v !== undefined && !unresolved(v)) issues.push(...metadataIssues({ [k]: v }, 'metadata'));
      }
    }
    if (!unresolved([this.portId, this.macAddress, this.fixedIps, props.extraDhcpOpts, network.subnets])) {
      const cidrs = network.subnets.map((s) => s.cidr).join(', ');
      // An address no subnet holds is reported once, here; the model's checks of it would only repeat that.
      const unplaced: string[] = [];
      this.fixedIps.forEach((f, i) => {
        if (f.subnetId) return;
        unplaced.push(`fixedIps[${i}].`);
        issues.push({ path: `fixedIps[${i}].ipAddress`, value: f.ipAddress, allowed: `an IPv4 or IPv6 address inside one of the network's subnets (${cidrs})` });
      });
      const others = [...network.dhcpServerPortModels(), ...network.ports.map((p) => p.model())];
      // Name the other port by what the user wrote: a construct path, or the agent a DHCP port belongs to.
      const names = new Map([
        ...network.dhcpServerPortModels().map((p, i): [string, string] => [p.id, `the DHCP port of agent ${network.agents[i].node.path}`]),
        ...network.ports.map((p): [string, string] => [p.portId, `port ${p.node.path}`]),
      ]);
      // validatePort takes a port of the same id for this port's earlier version: one stack holds each id once.
      const twin = names.get(this.portId);
      if (twin) issues.push({ path: 'id', value: this.portId, allowed: `an id not used by another port of the network (${twin} has it)` });
      for (const i of validatePort(this.model(), { id: network.networkId, subnets: network.subnets, ports: others }, '', { addr6List: network.options.dnsmasqEnableAddr6List === true })) {
        if (unplaced.some((prefix) => i.path.startsWith(prefix))) continue;
        issues.push({ ...i, allowed: i.allowed.replace(/port (\S+) has it/, (m, pid: string) => (names.has(pid) ? `${names.get(pid)} has it` : m)) });
      }
    }
    throwIfInvalid('dhcp port', this, issues);

    network._addPort(this);
    this.ownFields = {
      macAddress: this.macAddress,
      // An address given as a token has no subnet yet: the provider finds it at apply.
      fixedIps: this.fixedIps.map((f) => ({ ipAddress: f.ipAddress, subnetId: f.subnetId || undefined })),
      hostname: props.hostname,
      deviceOwner: props.deviceOwner,
      extraDhcpOpts: props.extraDhcpOpts?.map((o) => ({ optName: o.optName, optValue: o.optValue, ipVersion: o.ipVersion ?? 4 })),
      metadata: props.metadata && { ...props.metadata },
    };
    if (network.portsInline) {
      // The network's resources hold the port; what held it before (a deploy without portsInline) is forgotten, not destroyed.
      this.elements = network.elements;
      this.resources = [];
      network.agents.forEach((agent) => forgetEarlierResource(this, `on-${agent.node.id}`, agent.mode === 'provider' ? PortResource.tfResourceType : agent.carrierType));
      return;
    }
    const attributes = (i: number) => ({ node: network.agents[i].connection, networkId: network.networkId, portId: this.portId, ...this.ownFields });
    this.elements = network.agents.map((agent, i) =>
      agent.mode === 'provider'
        ? new PortResource(this, `on-${agent.node.id}`, { ...attributes(i), provider: agent.provider, dependsOn: [network.elements[i]] })
        : createCarrier(this, `on-${agent.node.id}`, {
            kind: 'port',
            type: agent.carrierType,
            dependsOn: [network.elements[i]],
            payload: () => toTerraformAttributes(attributes(i)) as Record<string, unknown>,
          }),
    );
    this.resources = this.elements.filter((e): e is PortResource => e instanceof PortResource);
  }

  /** The port's own attributes (camelCase) as an element of its network's inline `ports`. */
  inlineAttributes(): InlinePortConfig {
    return { id: this.portId, ...this.ownFields };
  }

  /** The port in the model's terms (for validation against other ports). */
  model(): Port {
    return {
      id: this.portId,
      macAddress: this.macAddress,
      fixedIps: this.fixedIps.map((f) => ({ ...f })),
      deviceOwner: this.deviceOwner,
      extraDhcpOpts: this.extraDhcpOpts.map((o) => ({ optName: o.optName, optValue: o.optValue, ipVersion: o.ipVersion ?? 4 })),
    };
  }
}
