/**
 * `dhcpagent_node`: a Linux host the agent works on — prerequisites checked (ip, iptables,
 * dnsmasq version, network namespaces), the state directory, and the process monitor that
 * respawns dead dnsmasq processes and restores networks after a reboot.
 */
import { applyNode, deleteNode, readNode, type NodeState } from '../../agent/node';
import type { NodeSpec } from '../../agent/spec';
import { UNKNOWN, t, type ObjectValue } from '../cty';
import { warningDiagnostic } from '../diagnostics';
import type { ResourceType } from '../resource';
import type { Schema } from '../schema';
import { connectionFromValue, connectionToValue, hostFor, nodeAttribute, nodeLabel, normaliseNode } from './connection';
import { planWithDrift, operationLabel } from './drift-plan';
import { diagnosticsFor, type PathRenames } from './errors';
import { parseImportId } from './import-id';
import { known, num, obj } from './values';

const OBSERVED = ['hostname', 'kernel', 'dnsmasq_version', 'iptables', 'networks', 'monitor_pid', 'monitor_boot'];

export const nodeSchema: Schema = {
  version: 0,
  description:
    'A Linux host that serves DHCP: `apply` checks what the agent needs (ip with JSON output, iptables with the CHECKSUM target, dnsmasq ≥ 2.67, network namespaces) and changes nothing when something is missing; it creates the state directory and starts the process monitor (neutron\'s ProcessMonitor), started at boot by systemd or cron where available.',
  attributes: {
    id: { type: t.string, computed: true, description: '`<host>:<port>`.' },
    node: nodeAttribute,
    monitor_interval_seconds: { type: t.number, optional: true, description: 'How often the monitor checks every network\'s dnsmasq. Default: `60` (neutron\'s check_child_processes_interval).' },
    hostname: { type: t.string, computed: true, description: 'Observed.' },
    kernel: { type: t.string, computed: true, description: 'Observed.' },
    dnsmasq_version: { type: t.string, computed: true, description: 'Observed.' },
    iptables: { type: t.string, computed: true, description: 'Observed iptables flavour: `nf_tables` or `legacy`.' },
    networks: { type: t.list(t.string), computed: true, description: 'Observed ids of the networks kept on the node.' },
    monitor_pid: { type: t.number, computed: true, description: 'Observed process id of the monitor.' },
    monitor_boot: { type: t.string, computed: true, description: 'How the monitor starts at boot: `systemd`, `cron` or `none`.' },
    drift: { type: t.list(t.string), computed: true, description: 'What differs on the node (monitor not running, missing prerequisites), in plain words.' },
  },
};

const RENAMES: PathRenames = [
  ['statePath', ['node', 'state_path']],
  ['monitorIntervalSeconds', ['monitor_interval_seconds']],
];

export function nodeSpecFromValue(v: ObjectValue): NodeSpec {
  return { statePath: connectionFromValue(v.node).statePath, monitorIntervalSeconds: num(v.monitor_interval_seconds) ?? 60 };
}

function observed(planned: ObjectValue, st: NodeState): ObjectValue {
  return {
    ...planned,
    hostname: st.hostname,
    kernel: st.kernel,
    dnsmasq_version: st.dnsmasqVersion,
    iptables: st.iptables,
    networks: [...st.networks],
    monitor_pid: st.monitorPid,
    monitor_boot: st.monitorBoot,
    drift: [...st.drift],
  };
}

function withId(v: ObjectValue): ObjectValue {
  const n = obj(v.node);
  if (!known(n.host) || !known(n.port)) return { ...v, id: UNKNOWN };
  const c = connectionFromValue(v.node);
  return { ...v, id: `${c.host}:${c.port}` };
}

export const nodeResource: ResourceType = {
  typeName: 'dhcpagent_node',
  schema: nodeSchema,

  plan(req) {
    if (!req.proposed) return { planned: null };
    const proposed = withId({ ...req.proposed, node: normaliseNode(req.proposed.node) });
    return planWithDrift(nodeSchema, req.prior, proposed, OBSERVED);
  },

  async apply(req) {
    const state = req.action === 'delete' ? req.prior! : req.planned!;
    const c = connectionFromValue(state.node);
    const what = operationLabel(req.action, 'dhcpagent_node', nodeLabel(c));
    try {
      const host = await hostFor(c);
      if (req.action === 'delete') {
        const { networksLeft } = await deleteNode(host, nodeSpecFromValue(state));
        if (networksLeft.length) {
          return {
            newState: null,
            diagnostics: [
              warningDiagnostic(
                `${nodeLabel(c)} still serves ${networksLeft.length} network(s)`,
                `The monitor and the state directory were left in place for: ${networksLeft.join(', ')}. Destroy those networks, then the node's files go too.`,
              ),
            ],
          };
        }
        return { newState: null };
      }
      const st = await applyNode(host, nodeSpecFromValue(state));
      return { newState: observed(state, { ...st, drift: [] }), diagnostics: st.drift.length ? [warningDiagnostic(`${nodeLabel(c)}: still differs after apply`, st.drift.join('\n'))] : [] };
    } catch (err) {
      return { newState: req.prior, diagnostics: diagnosticsFor(what, err, RENAMES) };
    }
  },

  async read(req) {
    const c = connectionFromValue(req.current.node);
    try {
      const st = await readNode(await hostFor(c), nodeSpecFromValue(req.current));
      return { newState: st ? observed(req.current, st) : null };
    } catch (err) {
      return { newState: req.current, diagnostics: diagnosticsFor(`Read of dhcpagent_node ${nodeLabel(c)}`, err, RENAMES) };
    }
  },

  async importState(req) {
    const id = parseImportId(req.id, 0);
    const state = withId({ node: connectionToValue(id.connection), monitor_interval_seconds: null });
    const st = await readNode(await hostFor(id.connection), nodeSpecFromValue(state));
    if (!st) return { diagnostics: [diagnosticsFor('Import of dhcpagent_node', new Error(`${nodeLabel(id.connection)} has no state directory ${id.connection.statePath}`))[0]] };
    return { imported: [{ state: observed(state, st) }] };
  },
};
