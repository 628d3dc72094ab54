/**
 * Hand-written L1 classes for the dhcpagent provider's resource types. Attribute docs are the
 * provider schema's descriptions (see src/provider/resources); names here are camelCase and
 * become snake_case in the synthesized configuration.
 */
import { TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { PROVIDER_TYPE_NAME, providerVersion } from '../../src/provider/version';
import { toTerraformAttributes } from './attributes';

/** How to reach a node over SSH, and where the agent keeps its files there (the `node` attribute). */
export interface NodeConnection {
  /** Address or host name of the node. */
  readonly host: string;
  /** SSH port. @default 22 */
  readonly port?: number;
  /** Login user. @default 'root' */
  readonly user?: string;
  /** Private key file on the machine running Terraform. @default - ssh-agent (`SSH_AUTH_SOCK`) */
  readonly privateKeyPath?: string;
  /** Pinned host key fingerprint (`SHA256:…`). @default - knownHostsPath or insecureIgnoreHostKey */
  readonly hostKeySha256?: string;
  /** known_hosts file listing the node's host key. @default - hostKeySha256 or insecureIgnoreHostKey */
  readonly knownHostsPath?: string;
  /** Accept any host key (throw-away test nodes only). @default false */
  readonly insecureIgnoreHostKey?: boolean;
  /** `sudo` to become root with `sudo -n`. @default - none */
  readonly become?: string;
  /** The agent's directory on the node. @default '/var/lib/dhcp-agent' */
  readonly statePath?: string;
}

function metadata() {
  return { providerName: PROVIDER_TYPE_NAME, providerVersion: providerVersion(), providerVersionConstraint: providerVersion() };
}

/** The resource's own attributes: the config without Terraform's meta-arguments, snake_cased. */
function attributesOf(config: TerraformMetaArguments): Record<string, unknown> {
  const { provider: _p, dependsOn: _d, count: _c, lifecycle: _l, provisioners: _v, connection: _n, forEach: _f, ...attributes } = config;
  return toTerraformAttributes(attributes) as Record<string, unknown>;
}

function meta(config: TerraformMetaArguments) {
  return {
    provider: config.provider,
    dependsOn: config.dependsOn,
    count: config.count,
    lifecycle: config.lifecycle,
    provisioners: config.provisioners,
    connection: config.connection,
    forEach: config.forEach,
  };
}

export interface NodeResourceConfig extends TerraformMetaArguments {
  readonly node: NodeConnection;
  /** Seconds between the process monitor's checks. @default 60 */
  readonly monitorIntervalSeconds?: number;
  /**
   * The node is gone for good: apply and destroy succeed without reaching it; when it answers
   * again, `drift` lists what the agent left there and apply removes it. List it in the
   * provider's `goneNodes` too. @default false
   */
  readonly goneForGood?: boolean;
}

/** `dhcpagent_node`: prerequisites, state directory and process monitor on one node. */
export class NodeResource extends TerraformResource {
  static readonly tfResourceType = 'dhcpagent_node';
  readonly config: NodeResourceConfig;

  constructor(scope: Construct, id: string, config: NodeResourceConfig) {
    super(scope, id, { terraformResourceType: NodeResource.tfResourceType, terraformGeneratorMetadata: metadata(), ...meta(config) });
    this.config = config;
  }

  get hostname(): string {
    return this.getStringAttribute('hostname');
  }
  get dnsmasqVersion(): string {
    return this.getStringAttribute('dnsmasq_version');
  }
  get drift(): string[] {
    return this.getListAttribute('drift');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return attributesOf(this.config);
  }
}

export interface SubnetConfig {
  readonly id?: string;
  readonly cidr: string;
  readonly ipVersion?: number;
  readonly gatewayIp?: string;
  readonly enableDhcp?: boolean;
  readonly dnsNameservers?: string[];
  readonly hostRoutes?: { readonly destination: string; readonly nexthop: string }[];
  readonly allocationPools?: { readonly start: string; readonly end: string }[];
  readonly ipv6AddressMode?: string;
  readonly ipv6RaMode?: string;
}

export interface PeerDhcpPortConfig {
  readonly id: string;
  readonly macAddress: string;
  readonly ipAddresses: string[];
}

export interface NetworkResourceConfig extends TerraformMetaArguments {
  readonly node: NodeConnection;
  readonly networkId: string;
  readonly name?: string;
  readonly mtu?: number;
  readonly dnsDomain?: string;
  readonly subnets: SubnetConfig[];
  readonly dhcpPortId?: string;
  readonly dhcpMacAddress?: string;
  readonly dhcpIpAddresses?: string[];
  readonly peerDhcpPorts?: PeerDhcpPortConfig[];
  readonly bridge?: string;
  readonly physicalInterface?: string;
  readonly vlanId?: number;
  readonly takeOverPhysicalInterface?: boolean;
  readonly leaseDurationSeconds?: number;
  readonly leaseMax?: number;
  readonly dnsServers?: string[];
  readonly localResolv?: boolean;
  readonly enableIsolatedMetadata?: boolean;
  readonly forceMetadata?: boolean;
  readonly broadcastReply?: boolean;
  readonly renewalTimeSeconds?: number;
  readonly rebindingTimeSeconds?: number;
}

/** `dhcpagent_network`: one network served by one node (namespace, veth, rule, files, dnsmasq). */
export class NetworkResource extends TerraformResource {
  static readonly tfResourceType = 'dhcpagent_network';
  readonly config: NetworkResourceConfig;

  constructor(scope: Construct, id: string, config: NetworkResourceConfig) {
    super(scope, id, { terraformResourceType: NetworkResource.tfResourceType, terraformGeneratorMetadata: metadata(), ...meta(config) });
    this.config = config;
  }

  /** `qdhcp-<network id>`. */
  get namespace(): string {
    return this.getStringAttribute('namespace');
  }
  /** The DHCP device in the namespace (`ns-…`). */
  get interfaceName(): string {
    return this.getStringAttribute('interface_name');
  }
  /** The veth end on the bridge (`tap…`). */
  get tapName(): string {
    return this.getStringAttribute('tap_name');
  }
  get bridgeName(): string {
    return this.getStringAttribute('bridge_name');
  }
  /** Addresses on the DHCP device, CIDR form. */
  get addresses(): string[] {
    return this.getListAttribute('addresses');
  }
  get drift(): string[] {
    return this.getListAttribute('drift');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return attributesOf(this.config);
  }
}

export interface PortFixedIpConfig {
  readonly ipAddress: string;
  readonly subnetId?: string;
}

export interface ExtraDhcpOptConfig {
  readonly optName: string;
  readonly optValue: string;
  readonly ipVersion?: number;
}

export interface PortResourceConfig extends TerraformMetaArguments {
  readonly node: NodeConnection;
  readonly networkId: string;
  readonly portId: string;
  readonly macAddress: string;
  readonly fixedIps: PortFixedIpConfig[];
  readonly hostname?: string;
  readonly deviceOwner?: string;
  readonly extraDhcpOpts?: ExtraDhcpOptConfig[];
}

/** `dhcpagent_port`: a MAC/IP reservation on a network served by one node. */
export class PortResource extends TerraformResource {
  static readonly tfResourceType = 'dhcpagent_port';
  readonly config: PortResourceConfig;

  constructor(scope: Construct, id: string, config: PortResourceConfig) {
    super(scope, id, { terraformResourceType: PortResource.tfResourceType, terraformGeneratorMetadata: metadata(), ...meta(config) });
    this.config = config;
  }

  get drift(): string[] {
    return this.getListAttribute('drift');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return attributesOf(this.config);
  }
}
