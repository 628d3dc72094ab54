import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { ValidationIssue } from '../src/model/errors';
import { ipVersionOf } from '../src/model/ip';
import { checkDomain, checkStatePath } from '../src/model/validate';
import { DEFAULT_AGENT_OPTIONS } from '../src/model/types';
import { DhcpagentProvider } from './l1/provider';
import { NodeResource, type NodeConnection } from './l1/resources';
import { checkUnlessToken, throwIfInvalid } from './validation';

/** Properties of a {@link DhcpAgentNode}. */
export interface DhcpAgentNodeProps {
  /** Address or host name the node is reached at over SSH. */
  readonly host: string;
  /**
   * SSH port.
   * @default 22
   */
  readonly port?: number;
  /**
   * Login user; a user other than root needs `become: 'sudo'`.
   * @default 'root'
   */
  readonly user?: string;
  /**
   * Path of a private key file on the machine that runs `cdktf deploy` (`~` expands). Only the
   * path is stored in Terraform state, never the key.
   * @default - the keys of the ssh-agent at `SSH_AUTH_SOCK`
   */
  readonly privateKeyPath?: string;
  /**
   * The node's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). Set at most one of
   * `hostKeySha256`, `knownHostsPath` and `insecureIgnoreHostKey`.
   * @default - checked against `knownHostsPath`
   */
  readonly hostKeySha256?: string;
  /**
   * A known_hosts file that lists the node's host key.
   * @default '~/.ssh/known_hosts' when neither hostKeySha256 nor insecureIgnoreHostKey is set
   */
  readonly knownHostsPath?: string;
  /**
   * Accept any host key. Only for throw-away test nodes.
   * @default false
   */
  readonly insecureIgnoreHostKey?: boolean;
  /**
   * Become root through passwordless `sudo -n`.
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
}

const USER = /^[a-z_][a-z0-9_.-]{0,31}\$?$/;

/**
 * A Linux host that serves DHCP for {@link DhcpNetwork}s, reached over SSH: the agent checks its
 * prerequisites (ip, iptables, dnsmasq ≥ 2.67, network namespaces), keeps its files under
 * `statePath`, and runs a process monitor that respawns dead dnsmasq processes.
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
  readonly port: number;
  readonly user: string;
  readonly statePath: string;
  /** The `node` attribute every dhcpagent resource on this node carries. */
  readonly connection: NodeConnection;
  /** The underlying `dhcpagent_node` resource (escape hatch). */
  readonly resource: NodeResource;
  /** The provider the node's resources use. */
  readonly provider: DhcpagentProvider;

  constructor(scope: Construct, id: string, props: DhcpAgentNodeProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    checkUnlessToken(issues, props.host, (h) =>
      typeof h === 'string' && (ipVersionOf(h) !== null || !checkDomain(h, 'host'))
        ? null
        : { path: 'host', value: h, allowed: 'an IPv4/IPv6 address or a host name' },
    );
    checkUnlessToken(issues, props.port, (p) =>
      p === undefined || (Number.isInteger(p) && p >= 1 && p <= 65535) ? null : { path: 'port', value: p, allowed: 'a TCP port from 1 to 65535' },
    );
    checkUnlessToken(issues, props.user, (u) => (u === undefined || USER.test(u) ? null : { path: 'user', value: u, allowed: 'a Unix user name' }));
    checkUnlessToken(issues, props.privateKeyPath, (k) =>
      k === undefined || (!/PRIVATE KEY|[\n\r\0]/.test(k) && k.length > 0)
        ? null
        : { path: 'privateKeyPath', value: k.length > 40 ? `${k.slice(0, 20)}…` : k, allowed: 'the path of a key file; key material is never accepted (it would land in Terraform state)' },
    );
    checkUnlessToken(issues, props.hostKeySha256, (f) =>
      f === undefined || /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(f) ? null : { path: 'hostKeySha256', value: f, allowed: 'a fingerprint as ssh-keygen -lf prints it: SHA256: followed by 43 base64 characters' },
    );
    const trust = [props.hostKeySha256, props.knownHostsPath, props.insecureIgnoreHostKey ? true : undefined].filter((x) => x !== undefined);
    if (trust.length > 1) {
      issues.push({ path: 'hostKeySha256', value: { hostKeySha256: props.hostKeySha256, knownHostsPath: props.knownHostsPath, insecureIgnoreHostKey: props.insecureIgnoreHostKey }, allowed: 'at most one of hostKeySha256, knownHostsPath and insecureIgnoreHostKey' });
    }
    checkUnlessToken(issues, props.become, (b) => (b === undefined || b === 'sudo' ? null : { path: 'become', value: b, allowed: '"sudo" or unset' }));
    checkUnlessToken(issues, props.statePath, (p) => (p === undefined ? null : checkStatePath(p, 'statePath')));
    checkUnlessToken(issues, props.monitorIntervalSeconds, (s) =>
      s === undefined || (Number.isInteger(s) && s >= 1 && s <= 3600) ? null : { path: 'monitorIntervalSeconds', value: s, allowed: 'a whole number of seconds from 1 to 3600' },
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
    this.provider = DhcpagentProvider.of(TerraformStack.of(this));
    this.resource = new NodeResource(this, 'Resource', {
      node: this.connection,
      monitorIntervalSeconds: props.monitorIntervalSeconds,
      provider: this.provider,
    });
  }
}
