/**
 * What a stack needs to reach a lab node, read from the lab by name (its `lab.json`) when the
 * stack is synthesized. Copying these values from `lab up`'s output goes stale: every `lab up`
 * makes a new host key, and a stack without the lab's user and state path would log in as root
 * and keep its agent state in the machine's real /var/lib/dhcp-agent.
 */
import { readFileSync } from 'node:fs';
import type { LabFile } from './types';
import { checkLabName, defaultLabDir } from './naming';

export interface LabStackNode {
  /** Props for `DhcpAgentNode` (host, user, key, known_hosts with the node's host key, state path). */
  readonly props: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly privateKeyPath: string;
    readonly knownHostsPath: string;
    readonly statePath: string;
  };
  /** The node's host key fingerprint (also in `props.knownHostsPath`). */
  readonly hostKeySha256: string;
  /** The bridge on the node that the lab's VMs are attached to. */
  readonly bridge: string;
  /** The node's interface to the lab switch (a lab made with `--switch`). */
  readonly physicalInterface?: string;
}

export interface LabNodeOptions {
  /** Index of the node in the lab. @default 0 */
  readonly node?: number;
  /** The lab's directory. @default /var/lib/dhcp-agent-lab/<name> */
  readonly dir?: string;
}

/**
 * A node of the lab made by `dhcp-agent lab up --name <name>`, as a stack takes it.
 * @example
 *   const lab = labNode('demo');
 *   const node = new DhcpAgentNode(stack, 'node1', lab.props);
 *   new DhcpNetwork(stack, 'tenant-a', { agents: [node], bridge: lab.bridge, subnets: [...] });
 */
export function labNode(name: string, options: LabNodeOptions = {}): LabStackNode {
  checkLabName(name);
  const dir = options.dir ?? defaultLabDir(name);
  const index = options.node ?? 0;
  let file: LabFile;
  try {
    file = JSON.parse(readFileSync(`${dir}/lab.json`, 'utf8')) as LabFile;
  } catch (err) {
    throw new Error(`lab ${name} is not up (cannot read ${dir}/lab.json: ${(err as Error).message}); make it with: sudo npx dhcp-agent lab up --name ${name}`);
  }
  const n = file.nodes[index];
  if (!n) throw new Error(`lab ${name} has ${file.nodes.length} node(s); node ${index} asked for (dhcp-agent lab up --name ${name} --nodes ${index + 1})`);
  return {
    props: { host: n.address, port: n.port, user: n.user, privateKeyPath: n.privateKeyPath, knownHostsPath: n.knownHostsPath, statePath: n.statePath },
    hostKeySha256: n.hostKeySha256,
    bridge: n.bridge,
    ...(n.physicalInterface ? { physicalInterface: n.physicalInterface } : {}),
  };
}

/** The same node as Terraform variables for examples/hcl/main.tf (a `terraform.tfvars` file). */
export function labNodeTfvars(name: string, options: LabNodeOptions = {}): string {
  const n = labNode(name, options);
  const vars: [string, string][] = [
    ['node_host', n.props.host],
    ['node_user', n.props.user],
    ['private_key_path', n.props.privateKeyPath],
    ['known_hosts_path', n.props.knownHostsPath],
    ['state_path', n.props.statePath],
    ['bridge', n.bridge],
  ];
  // JSON string literals are valid HCL strings, escapes included.
  return vars.map(([k, v]) => `${k} = ${JSON.stringify(v).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')}`).join('\n') + '\n';
}
