import { TerraformStack, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import type { ValidationIssue } from '../src/model/errors';
import { KEY_MATERIAL_SHOWN_AS, PRIVATE_KEY_PATH_RULE, keyMaterialIn } from '../src/model/secrets';
import { checkStatePath } from '../src/model/validate';
import { sshConnectionField } from '../src/host/ssh-connection';
import { DEFAULT_AGENT_OPTIONS } from '../src/model/types';
import { DhcpagentProvider } from './l1/provider';
import { NodeResource, type NodeConnection } from './l1/resources';
import { createCarrier, type CarrierType } from './carrier';
import { toTerraformAttributes } from './l1/attributes';
import { checkUnlessToken, throwIfInvalid } from './validation';

/**
 * How the agent's work reaches the node: `provider` — resources of the dhcpagent Terraform
 * provider (drift in plan, in-place updates, import); `provisioner` — portable mode, carriers
 * whose local-exec provisioners run the same handlers through the `dhcp-agent` CLI, for teams
 * that cannot install a custom provider.
 */
export type AgentMode = 'provider' | 'provisioner';

/** Properties of a {@link DhcpAgentNode}. */
export interface DhcpAgentNodeProps {
  /** Address or host name of the node. */
  readonly host: string;
  /** SSH port. Default: `22`. @default 22 */
  readonly port?: number;
  /** Login user. Default: `root`; other users need `become: 'sudo'`. @default 'root' */
  readonly user?: string;
  /**
   * Path of a private key file on the machine running Terraform (`~` expands). Default: the keys of
   * the ssh-agent at `SSH_AUTH_SOCK`.
   *
   * Only the path is stored in Terraform state, never the key.
   * @default - the keys of the ssh-agent at `SSH_AUTH_SOCK`
   */
  readonly privateKeyPath?: string;
  /**
   * The node's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). Exactly one of
   * `hostKeySha256`, `knownHostsPath` and `insecureIgnoreHostKey: true` must be set (the
   * `DhcpAgentNode` construct and import ids use `knownHostsPath: '~/.ssh/known_hosts'` when none
   * is).
   * @default - checked against `knownHostsPath`
   */
  readonly hostKeySha256?: string;
  /**
   * A known_hosts file that lists the node's host key (`~` expands).
   * @default '~/.ssh/known_hosts' when neither hostKeySha256 nor insecureIgnoreHostKey is set
   */
  readonly knownHostsPath?: string;
  /**
   * Accept any host key. Only for throw-away test nodes.
   * @default false
   */
  readonly insecureIgnoreHostKey?: boolean;
  /**
   * Set to `sudo` to run as root through passwordless `sudo -n` when `user` is not root.
   * @default - none (the user is root)
   */
  readonly become?: 'sudo';
  /**
   * The agent's directory on the node (neutron layout `dhcp/<network-id>/`).
   * @default '/var/lib/dhcp-agent'
   */
  readonly statePath?: string;
  /**
   * Seconds between the process monitor's checks of every network's dnsmasq (neutron's
   * check_child_processes_interval).
   * @default 60
   */
  readonly monitorIntervalSeconds?: number;
  /**
   * `provider` (dhcpagent resources) or `provisioner` (portable mode: carriers with local-exec
   * provisioners; see the README for what it cannot do).
   * @default 'provider'
   */
  readonly mode?: AgentMode;
  /**
   * In provisioner mode, the resource that carries the handlers: `terraform_data` (built into
   * Terraform ≥ 1.4) or `null_resource` (needs the hashicorp/null provider).
   * @default 'terraform_data'
   */
  readonly carrier?: CarrierType;
  /**
   * The node is gone for good (dead, or taken away): the stack goes on without it. Its networks
   * and ports can then leave the stack (take the node out of the networks' `agents`) without the
   * node being reached — they are dropped from Terraform state, nothing on the node is removed.
   * Keep the node in the stack while it is so marked: if it ever answers again, `cdktf diff`
   * lists what the agent left there and the next `cdktf deploy` removes it. A node so marked
   * cannot be an agent of a network. Provider mode only.
   * @default false
   */
  readonly goneForGood?: boolean;
}


/**
 * A Linux host that serves DHCP for {@link DhcpNetwork}s, reached over SSH: the agent checks its
 * prerequisites (ip, iptables, dnsmasq ≥ 2.67, network namespaces), keeps its files under
 * `statePath`, and runs a process monitor that respawns dead dnsmasq processes. Escape hatches:
 * `resource` (the `dhcpagent_node` L1 resource) and `provider` in provider mode, `carrier` in
 * provisioner mode.
 *
 * @example
 * const node = new DhcpAgentNode(stack, 'node1', {
 *   host: '192.0.2.10',
 *   privateKeyPath: '~/.ssh/id_ed25519',
 *   hostKeySha256: 'SHA256:2pQ6eW8Hc7b2j0Xh0wS5l9kq0m3bWQp7yX1u8m2T4aE',
 * });
 */
export class DhcpAgentNode extends Construct {
  /** Address or host name of the node. */
  readonly host: string;
  /** SSH port. */
  readonly port: number;
  /** Login user. */
  readonly user: string;
  /** The agent's directory on the node. */
  readonly statePath: string;
  /** The `node` attribute every dhcpagent resource on this node carries. */
  readonly connection: NodeConnection;
  /** How the agent's work reaches the node (see {@link AgentMode}). */
  readonly mode: AgentMode;
  /** In provisioner mode, the kind of carrier resources. */
  readonly carrierType: CarrierType;
  /** The node is declared gone for good (see {@link DhcpAgentNodeProps.goneForGood}). */
  readonly goneForGood: boolean;
  /** The provider the node's resources use (provider mode). */
  readonly provider?: DhcpagentProvider;
  /** In provisioner mode, the carrier of the node handler (escape hatch). */
  readonly carrier?: TerraformResource;
  private readonly _resource?: NodeResource;

  constructor(scope: Construct, id: string, props: DhcpAgentNodeProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    const ssh = (field: keyof DhcpAgentNodeProps) => (x: unknown) => (x === undefined ? null : sshConnectionField(field).check!(x, field));
    checkUnlessToken(issues, props.host, ssh('host'));
    checkUnlessToken(issues, props.port, ssh('port'));
    checkUnlessToken(issues, props.user, ssh('user'));
    checkUnlessToken(issues, props.privateKeyPath, (k) =>
      k === undefined || (k.length > 0 && !keyMaterialIn(k))
        ? null
        : { path: 'privateKeyPath', value: k ? KEY_MATERIAL_SHOWN_AS : k, allowed: `${PRIVATE_KEY_PATH_RULE}${k ? `; found ${keyMaterialIn(k)}` : ''}` },
    );
    checkUnlessToken(issues, props.hostKeySha256, ssh('hostKeySha256'));
    const trust = [props.hostKeySha256, props.knownHostsPath, props.insecureIgnoreHostKey ? true : undefined].filter((x) => x !== undefined);
    if (trust.length > 1) {
      issues.push({ path: 'hostKeySha256', value: { hostKeySha256: props.hostKeySha256, knownHostsPath: props.knownHostsPath, insecureIgnoreHostKey: props.insecureIgnoreHostKey }, allowed: 'at most one of hostKeySha256, knownHostsPath and insecureIgnoreHostKey' });
    }
    checkUnlessToken(issues, props.become, ssh('become'));
    checkUnlessToken(issues, props.statePath, (p) => (p === undefined ? null : checkStatePath(p, 'statePath')));
    checkUnlessToken(issues, props.mode, (m) => (m === undefined || m === 'provider' || m === 'provisioner' ? null : { path: 'mode', value: m, allowed: '"provider" or "provisioner"' }));
    checkUnlessToken(issues, props.carrier, (c) =>
      c === undefined || c === 'terraform_data' || c === 'null_resource' ? null : { path: 'carrier', value: c, allowed: '"terraform_data" or "null_resource"' },
    );
    checkUnlessToken(issues, props.monitorIntervalSeconds, (s) =>
      s === undefined || (Number.isInteger(s) && s >= 1 && s <= 3600) ? null : { path: 'monitorIntervalSeconds', value: s, allowed: 'a whole number of seconds from 1 to 3600' },
    );
    checkUnlessToken(issues, props.goneForGood, (g) =>
      g === undefined || g === false || (g === true && (props.mode ?? 'provider') === 'provider')
        ? null
        : { path: 'goneForGood', value: g, allowed: typeof g === 'boolean' ? 'goneForGood only in provider mode (portable mode has no provider to skip the node)' : 'true or false' },
    );
    throwIfInvalid('dhcp agent node', this, issues);

    this.host = props.host;
    this.port = props.port ?? 22;
    this.user = props.user ?? 'root';
    this.statePath = props.statePath ?? DEFAULT_AGENT_OPTIONS.statePath;
    this.connection = {
      host: this.host,
      port: this.port,
      user: this.user,
      privateKeyPath: props.privateKeyPath,
      hostKeySha256: props.hostKeySha256,
      knownHostsPath: props.knownHostsPath ?? (props.hostKeySha256 || props.insecureIgnoreHostKey ? undefined : '~/.ssh/known_hosts'),
      insecureIgnoreHostKey: props.insecureIgnoreHostKey,
      become: props.become,
      statePath: this.statePath,
    };
    this.mode = props.mode ?? 'provider';
    this.carrierType = props.carrier ?? 'terraform_data';
    this.goneForGood = props.goneForGood === true;
    const attributes = { node: this.connection, monitorIntervalSeconds: props.monitorIntervalSeconds };
    if (this.mode === 'provider') {
      this.provider = DhcpagentProvider.of(TerraformStack.of(this));
      this._resource = new NodeResource(this, 'Resource', { ...attributes, ...(this.goneForGood ? { goneForGood: true } : {}), provider: this.provider });
      // Its networks' and ports' deletes see only the provider block, not this resource.
      if (this.goneForGood) this.provider.goneNodes.push(`${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`);
    } else {
      this.carrier = createCarrier(this, 'Carrier', { kind: 'node', type: this.carrierType, payload: () => toTerraformAttributes(attributes) as Record<string, unknown> });
    }
  }

  /** The underlying `dhcpagent_node` resource (escape hatch; provider mode). */
  get resource(): NodeResource {
    if (!this._resource) throw new Error(`dhcp agent node '${this.node.id}' (${this.node.path}): resource: none in provisioner mode; the node's handler runs in .carrier`);
    return this._resource;
  }

  /** The Terraform resource the node's networks depend on: its dhcpagent_node or its carrier. */
  get element(): TerraformResource {
    return this._resource ?? this.carrier!;
  }
}
