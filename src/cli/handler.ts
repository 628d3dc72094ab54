/**
 * `dhcp-agent handler <node|network|port> <create|update|read|delete>`: runs one handler on one
 * node, the same code the provider runs. Portable mode's provisioners call it; the payload
 * comes from `--spec` or the environment (`DHCP_AGENT_SPEC`), so no value of the user's ever
 * passes through a shell word.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { applyNode, applyPort, deleteNetwork, deleteNode, deletePort, readNode, readPort } from '../agent';
import { applyNetworkWithPorts, readNetworkWithPorts } from '../agent/inline-ports';
import type { HandlerOptions } from '../agent/spec';
import { connectionFromValue, hostFor } from '../provider/resources/connection';
import type { ObjectValue } from '../provider/cty';
import { inlinePortsFromValue, specFromValue } from '../provider/resources/network';
import { nodeSpecFromValue } from '../provider/resources/node';
import { portSpecFromValue } from '../provider/resources/port';
import type { Host } from '../host/types';
import { ValidationError, isError } from '../model/errors';
import { CliError, EXIT_INVALID, withSshConnections } from './io';

export const HANDLER_HELP = `Usage: dhcp-agent handler <node|network|port> <create|update|read|delete> [--spec <json>|@<file>] [--generation <id>]

Runs one handler on one node over SSH and prints what it observed as JSON.

The payload is the resource's attributes as the dhcpagent provider takes them (snake_case,
the "node" connection object included), from --spec (JSON, or @file) or else from the
environment variable DHCP_AGENT_SPEC:
  { "node": { "host": "192.0.2.10", "user": "root", "known_hosts_path": "~/.ssh/known_hosts" },
    "network_id": "8165bc3d-…", "bridge": "br-lab", "subnets": [{ "cidr": "172.16.0.0/24" }] }

--generation (or DHCP_AGENT_GENERATION): create/update record it on the node; delete changes
nothing when the node records another generation (portable mode's create_before_destroy).

Exit codes: 0 done; 2 refused input (nothing changed on the node); 1 the node failed (the
step, the node and the command's stderr are printed).
`;

type Kind = 'node' | 'network' | 'port';
type Action = 'create' | 'update' | 'read' | 'delete';

const KINDS: readonly Kind[] = ['node', 'network', 'port'];
const ACTIONS: readonly Action[] = ['create', 'update', 'read', 'delete'];

/** Runs one handler; returns what to print. */
export async function runHandler(kind: Kind, action: Action, payload: ObjectValue, opts: HandlerOptions, host?: Host): Promise<unknown> {
  const h = host ?? (await hostFor(connectionFromValue(payload.node)));
  switch (kind) {
    case 'node': {
      const spec = nodeSpecFromValue(payload);
      if (action === 'read') return readNode(h, spec);
      if (action === 'delete') return deleteNode(h, spec, opts);
      return applyNode(h, spec, opts);
    }
    case 'network': {
      const spec = specFromValue(payload);
      if (action === 'read') return readNetworkWithPorts(h, spec, inlinePortsFromValue(payload));
      if (action === 'delete') return deleteNetwork(h, spec, opts);
      return applyNetworkWithPorts(h, spec, inlinePortsFromValue(payload), opts);
    }
    case 'port': {
      const spec = portSpecFromValue(payload);
      if (action === 'read') return readPort(h, spec);
      if (action === 'delete') return deletePort(h, spec, opts).then(() => ({ deleted: true }));
      return applyPort(h, spec, opts);
    }
  }
}

export function parsePayload(text: string, where: string): ObjectValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${where}: not valid JSON: ${(e as Error).message}`, EXIT_INVALID);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || typeof (value as ObjectValue).node !== 'object') {
    throw new CliError(`${where}: expected a JSON object with a "node" connection object (see dhcp-agent handler --help)`, EXIT_INVALID);
  }
  return value as ObjectValue;
}

export async function handlerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { spec: { type: 'string' }, generation: { type: 'string' } } });
  const [kind, action] = positionals as [Kind, Action];
  if (!KINDS.includes(kind) || !ACTIONS.includes(action) || positionals.length !== 2) {
    throw new CliError(`handler: expected <${KINDS.join('|')}> <${ACTIONS.join('|')}>, got ${JSON.stringify(positionals.join(' '))}\n\n${HANDLER_HELP}`, EXIT_INVALID);
  }
  const raw = values.spec ?? process.env.DHCP_AGENT_SPEC;
  if (!raw) throw new CliError('handler: give the payload with --spec or DHCP_AGENT_SPEC', EXIT_INVALID);
  const text = raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw;
  const payload = parsePayload(text, values.spec ? '--spec' : 'DHCP_AGENT_SPEC');
  const generation = values.generation ?? (process.env.DHCP_AGENT_GENERATION || undefined);
  return withSshConnections(async () => {
    try {
      const result = await runHandler(kind, action, payload, { generation });
      process.stdout.write(JSON.stringify(result ?? null) + '\n');
      return 0;
    } catch (e) {
      if (isError(e, ValidationError)) throw new CliError(`handler ${kind} ${action}: refused, nothing changed on the node:\n${(e as Error).message}`, EXIT_INVALID);
      throw new CliError(`handler ${kind} ${action}: ${(e as Error).message}`, 1);
    }
  });
}
