/**
 * `dhcpagent_node`: a Linux host the agent works on — prerequisites checked (ip, iptables,
 * dnsmasq version, network namespaces), the state directory, and the process monitor that
 * respawns dead dnsmasq processes and restores networks after a reboot.
 */
import { applyNode, checkNode, deleteNode, readNode, type NodeState } from '../../agent/node';
import type { NodeSpec } from '../../agent/spec';
import { UNKNOWN, t, type ObjectValue } from '../cty';
import { warningDiagnostic } from '../diagnostics';
import { cleanGoneNode, leftovers } from './gone-node';
import { isGone, isUnreachable, keepWhenUnreachable, onNode, planOnUnreachable, reachedPrivate } from './reachability';
import type { Diagnostic } from '../diagnostics';
import type { ApplyResult, ChangeAction, ResourceType } from '../resource';
import type { Schema } from '../schema';
import { renamesOf, rowNamed, schemaOf, type PathRenames, type Table } from '../table';
import { writing } from './gathered';
import { connectionFromValue, connectionToValue, hostFor, nodeLabel, nodeRow, normaliseNode, validateNode, type NodeConnection } from './connection';
import { planWithDrift, operationLabel } from './drift-plan';
import { diagnosticsFor } from './errors';
import { parseImportId } from './import-id';
import { bool, known, num, obj } from './values';

const OBSERVED = ['hostname', 'kernel', 'dnsmasq_version', 'iptables', 'networks', 'monitor_pid', 'monitor_boot'];

export const nodeTable: Table = {
  version: 0,
  description:
    'A Linux host that serves DHCP: `apply` checks what the agent needs (ip with JSON output, iptables with the CHECKSUM target, dnsmasq ≥ 2.67, network namespaces) and changes nothing when something is missing; it creates the state directory and starts the process monitor (neutron\'s ProcessMonitor), started at boot by systemd or cron where available.',
  rows: [
    { name: 'id', type: t.string, presence: 'computed', description: '`<host>:<port>`.' },
    nodeRow('statePath'),
    {
      name: 'monitor_interval_seconds',
      type: t.number,
      presence: 'optional',
      default: 60,
      spec: ['monitorIntervalSeconds'],
      description: 'How often the monitor checks every network\'s dnsmasq. Default: `60` (neutron\'s check_child_processes_interval).',
    },
    {
      name: 'gone_for_good',
      type: t.bool,
      presence: 'optional',
      description:
        'The node is gone for good (dead, or taken away): apply and destroy succeed without reaching it. Also list it in the provider\'s `gone_nodes`, so that its networks and ports can leave the stack without it. While it is marked so, each refresh looks for it (bounded: about 1 s when it refuses connections, 5 s when it does not answer); when it answers again, `drift` lists what the agent left there and apply removes it.',
    },
    { name: 'hostname', type: t.string, presence: 'computed', description: 'Observed.' },
    { name: 'kernel', type: t.string, presence: 'computed', description: 'Observed.' },
    { name: 'dnsmasq_version', type: t.string, presence: 'computed', description: 'Observed.' },
    { name: 'iptables', type: t.string, presence: 'computed', description: 'Observed iptables flavour: `nf_tables` or `legacy`.' },
    { name: 'networks', type: t.list(t.string), presence: 'computed', description: 'Observed ids of the networks kept on the node.' },
    { name: 'monitor_pid', type: t.number, presence: 'computed', description: 'Observed process id of the monitor.' },
    { name: 'monitor_boot', type: t.string, presence: 'computed', description: 'How the monitor starts at boot: `systemd`, `cron` or `none`.' },
    { name: 'drift', type: t.list(t.string), presence: 'computed', description: 'What differs on the node (monitor not running, missing prerequisites), in plain words.' },
  ],
};

export const nodeSchema: Schema = schemaOf(nodeTable);

const RENAMES: PathRenames = renamesOf(nodeTable.rows);
const MONITOR_INTERVAL_DEFAULT = rowNamed(nodeTable.rows, 'monitor_interval_seconds').default as number;

export function nodeSpecFromValue(v: ObjectValue): NodeSpec {
  return { statePath: connectionFromValue(v.node).statePath, monitorIntervalSeconds: num(v.monitor_interval_seconds) ?? MONITOR_INTERVAL_DEFAULT };
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

/** Whether the node is declared gone for good, on the resource or in the provider block. */
function gone(provider: unknown, v: ObjectValue): boolean {
  return bool(v.gone_for_good) === true || isGone(provider, connectionFromValue(v.node));
}

/** The observed values of `v`, or of `fallback` where `v` has none (unknown after a plan). */
function observedFrom(v: ObjectValue, fallback: ObjectValue | null): ObjectValue {
  return Object.fromEntries(OBSERVED.map((k) => [k, known(v[k]) ? v[k] : (fallback?.[k] ?? null)]));
}

export const nodeResource: ResourceType = {
  typeName: 'dhcpagent_node',
  schema: nodeSchema,

  validate(config) {
    return validateNode(config);
  },

  async plan(req, ctx) {
    if (!req.proposed) {
      const c = connectionFromValue(req.prior!.node);
      return { planned: null, diagnostics: gone(ctx.provider, req.prior!) ? [] : planOnUnreachable(c, `dhcpagent_node ${nodeLabel(c)}`, req.priorPrivate) };
    }
    const proposed = withId({ ...req.proposed, node: normaliseNode(req.proposed.node) });
    const result = planWithDrift(nodeSchema, req.prior, proposed, OBSERVED);
    if (result.planned === req.prior || !known(proposed.node) || gone(ctx.provider, proposed)) return result;
    const c = connectionFromValue(proposed.node);
    const unreachable = planOnUnreachable(c, `dhcpagent_node ${nodeLabel(c)}`, req.priorPrivate);
    const checked = unreachable.length ? [] : await checkAtPlan(c, result.planned!, req.prior ? 'update' : 'create');
    return { ...result, diagnostics: [...(result.diagnostics ?? []), ...unreachable, ...checked] };
  },

  async apply(req, ctx) {
    const state = req.action === 'delete' ? req.prior! : req.planned!;
    const c = connectionFromValue(state.node);
    const what = operationLabel(req.action, 'dhcpagent_node', nodeLabel(c));
    if (gone(ctx.provider, state)) return applyGone(req.action, state, req.prior, c);
    try {
      if (req.action === 'delete') {
        const { networksLeft } = await onNode(c, writing(ctx.provider, c, (host) => deleteNode(host, nodeSpecFromValue(state))));
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
      const st = await onNode(c, writing(ctx.provider, c, (host) => applyNode(host, nodeSpecFromValue(state))));
      return { newState: observed(state, { ...st, drift: [] }), diagnostics: st.drift.length ? [warningDiagnostic(`${nodeLabel(c)}: still differs after apply`, st.drift.join('\n'))] : [] };
    } catch (err) {
      return { newState: req.prior, diagnostics: diagnosticsFor(what, err, RENAMES) };
    }
  },

  async read(req, ctx) {
    const c = connectionFromValue(req.current.node);
    const subject = `dhcpagent_node ${nodeLabel(c)}`;
    if (gone(ctx.provider, req.current)) {
      try {
        const st = await onNode(c, (host) => readNode(host, nodeSpecFromValue(req.current)));
        const found = st ? observed(req.current, { ...st, drift: leftovers(st) }) : { ...req.current, networks: [], monitor_pid: null, drift: [] };
        return { newState: found, private: reachedPrivate() };
      } catch (err) {
        // Gone, as declared: an unreachable node is the expected case; anything else is reported, not fatal.
        if (isUnreachable(err)) return { newState: req.current };
        return { newState: req.current, diagnostics: [warningDiagnostic(`${subject} (gone for good): could not look for what the agent left there`, err instanceof Error ? err.message : String(err))] };
      }
    }
    try {
      const st = await onNode(c, (host) => readNode(host, nodeSpecFromValue(req.current)));
      return { newState: st ? observed(req.current, st) : null, private: reachedPrivate() };
    } catch (err) {
      return keepWhenUnreachable(req.current, req.private, c, subject, err) ?? { newState: req.current, diagnostics: diagnosticsFor(`Read of ${subject}`, err, RENAMES) };
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

/**
 * A node that is new or changed is tried once at plan time: SSH (host key, credentials),
 * `become`, and what the apply checks first (state path, ip, iptables, dnsmasq…). A failure is
 * the error the apply would give, so the plan fails before anything changes. A node that cannot
 * be reached at all only gets a warning: it may come up before the apply (made by the same run).
 */
async function checkAtPlan(c: NodeConnection, planned: ObjectValue, action: ChangeAction): Promise<Diagnostic[]> {
  let spec: NodeSpec;
  try {
    spec = nodeSpecFromValue(planned);
  } catch {
    return []; // a value only known at apply: the apply checks it
  }
  try {
    await onNode(c, (host) => checkNode(host, spec));
    return [];
  } catch (err) {
    if (isUnreachable(err)) {
      return [warningDiagnostic(`${nodeLabel(c)} could not be reached at plan time`, `The apply will try again; it fails for this node if it still cannot reach it. ${err.message}`)];
    }
    return diagnosticsFor(operationLabel(action, 'dhcpagent_node', nodeLabel(c)), err, RENAMES);
  }
}

/**
 * Apply and destroy of a node declared gone for good: when it answers, remove what the agent left
 * there; when it does not, succeed without it (the next refresh after it is back finds the rest).
 */
async function applyGone(action: ChangeAction, state: ObjectValue, prior: ObjectValue | null, c: NodeConnection): Promise<ApplyResult> {
  try {
    const before = await onNode(c, (host) => cleanGoneNode(host, nodeSpecFromValue(state)));
    if (action === 'delete') return { newState: null };
    const seen = before ? observed(state, { ...before, networks: [], monitorPid: null, drift: [] }) : { ...state, ...observedFrom(state, prior), networks: [], monitor_pid: null };
    return { newState: { ...seen, drift: [] } };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      newState: action === 'delete' ? null : { ...state, ...observedFrom(state, prior), drift: [] },
      diagnostics: [
        warningDiagnostic(
          `${nodeLabel(c)} is gone for good: ${action === 'delete' ? 'removed from state' : 'marked'} without cleaning it`,
          `What the agent left on the node stays there: it could not be removed now (${why}). ${action === 'delete' ? 'Nothing in this stack will look at the node again.' : 'When the node answers again, the next refresh lists it in drift and the next apply removes it.'}`,
        ),
      ],
    };
  }
}
