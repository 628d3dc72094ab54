/**
 * The SSH connection fields, defined once: name (camelCase in TypeScript, snake_case in
 * Terraform), type, default and description. The provider's `node` attribute is built from this
 * table (src/provider/resources/connection.ts); the TSDoc of `SshHostConfig` and of the
 * `DhcpAgentNode` props, and the Markdown docs, are written from it by `npm run gen:docs`
 * (`--check` fails when they no longer say what it says).
 *
 * Descriptions name fields as `{fieldName}` (or `{fieldName=value}` for a setting) so that each
 * place shows the names its readers write: `host_key_sha256` in Terraform, `hostKeySha256` in
 * TypeScript.
 */

import type { ValidationIssue } from '../model/errors';
import { checkNodeHost, checkUnixUser } from '../model/validate';

/** How a description is shown: to Terraform (HCL) readers or to TypeScript readers. */
export type DocStyle = 'terraform' | 'typescript';

export interface SshConnectionField {
  /** The name in TypeScript (`SshHostConfig`, `DhcpAgentNodeProps`, the provider's `NodeConnection`). */
  readonly field: string;
  /** The name in Terraform (the `node` attribute of every dhcpagent resource). */
  readonly attribute: string;
  readonly type: 'string' | 'number' | 'boolean';
  readonly required?: true;
  /** The value used when the field is unset (documented as `@default`). */
  readonly default?: string | number | boolean;
  /** With `{name}` placeholders; see {@link renderDoc}. */
  readonly description: string;
  /** Refuses a bad value that is set (`path` names it as the caller's readers write it). */
  readonly check?: (value: unknown, path: string) => ValidationIssue | null;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/**
 * What the code enforces about host keys: `resolveSshHostConfig` refuses a config unless exactly
 * one trust setting is given (`insecureIgnoreHostKey: false` counts as unset); `DhcpAgentNode`
 * refuses more than one and fills in `~/.ssh/known_hosts` when none is given, as `parseImportId`
 * does for import ids.
 */
export const HOST_KEY_RULE =
  'Exactly one of {hostKeySha256}, {knownHostsPath} and {insecureIgnoreHostKey=true} must be set (the `DhcpAgentNode` construct and import ids use {knownHostsPath=~/.ssh/known_hosts} when none is).';

export const SSH_CONNECTION_FIELDS: readonly SshConnectionField[] = [
  { field: 'host', attribute: 'host', type: 'string', required: true, description: 'Address or host name of the node.', check: checkNodeHost },
  {
    field: 'port',
    attribute: 'port',
    type: 'number',
    default: 22,
    description: 'SSH port. Default: `22`.',
    check: (x, path) => (typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535 ? null : { path, value: x, allowed: 'a TCP port from 1 to 65535' }),
  },
  { field: 'user', attribute: 'user', type: 'string', default: 'root', description: 'Login user. Default: `root`; other users need {become=sudo}.', check: checkUnixUser },
  {
    field: 'privateKeyPath',
    attribute: 'private_key_path',
    type: 'string',
    description: 'Path of a private key file on the machine running Terraform (`~` expands). Default: the keys of the ssh-agent at `SSH_AUTH_SOCK`.',
  },
  {
    field: 'hostKeySha256',
    attribute: 'host_key_sha256',
    type: 'string',
    description: `The node's host key fingerprint as \`ssh-keygen -lf\` prints it (\`SHA256:…\`). ${HOST_KEY_RULE}`,
    check: (x, path) => (typeof x === 'string' && FINGERPRINT.test(x) ? null : { path, value: x, allowed: 'a fingerprint as ssh-keygen -lf prints it: SHA256: followed by 43 base64 characters' }),
  },
  { field: 'knownHostsPath', attribute: 'known_hosts_path', type: 'string', description: "A known_hosts file that lists the node's host key (`~` expands)." },
  { field: 'insecureIgnoreHostKey', attribute: 'insecure_ignore_host_key', type: 'boolean', description: 'Accept any host key. Only for throw-away test nodes.' },
  {
    field: 'become',
    attribute: 'become',
    type: 'string',
    description: 'Set to `sudo` to run as root through passwordless `sudo -n` when {user} is not root.',
    check: (x, path) => (x === 'sudo' ? null : { path, value: x, allowed: '"sudo" or unset' }),
  },
];

/** The field named `field`; throws for a name the table does not hold (a typo in a caller). */
export function sshConnectionField(field: string): SshConnectionField {
  const found = SSH_CONNECTION_FIELDS.find((f) => f.field === field);
  if (!found) throw new Error(`no SSH connection field ${field}`);
  return found;
}

/**
 * A description with its `{field}` / `{field=value}` placeholders as `style`'s readers write
 * them: `` `host_key_sha256` `` / `` `become = "sudo"` `` for Terraform, `` `hostKeySha256` `` /
 * `` `become: 'sudo'` `` for TypeScript. `names` resolves a camelCase field to its Terraform name
 * (the connection table by default).
 */
export function renderDoc(text: string, style: DocStyle, names: (field: string) => string = (f) => sshConnectionField(f).attribute): string {
  return text.replace(/\{([A-Za-z][A-Za-z0-9]*)(?:=([^}]*))?\}/g, (_, field: string, value: string | undefined) => {
    const name = style === 'terraform' ? names(field) : field;
    if (value === undefined) return `\`${name}\``;
    const literal = /^(true|false|-?\d+)$/.test(value) ? value : style === 'terraform' ? JSON.stringify(value) : `'${value}'`;
    return style === 'terraform' ? `\`${name} = ${literal}\`` : `\`${name}: ${literal}\``;
  });
}
