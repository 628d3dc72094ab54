/**
 * A dead node never blocks the rest of the stack. Three pieces:
 *
 * - Connecting is bounded (`PROVIDER_CONNECT` in connection.ts), and the first verdict
 *   "unreachable" on a node is remembered for the rest of the provider process ({@link ReachabilityMemory}), so a
 *   dead node costs a plan one bounded connect, not one per resource.
 * - A refresh that cannot reach the node keeps the resource's last known state (never "gone",
 *   which would plan a create) and says so in a warning; the time the node was first found
 *   unreachable travels in the resource's private data ({@link Contact}).
 * - Nodes the operator declared gone for good (`gone_nodes` in the provider block) are never
 *   contacted for their networks and ports: deleting those only drops them from state.
 */
import { HostError, type Host } from '../../host/types';
import type { Gatherings } from '../../agent/gather';
import { isError } from '../../model/errors';
import { errorDiagnostic, warningDiagnostic, type Diagnostic } from '../diagnostics';
import type { ObjectValue, Value } from '../cty';
import type { ReadResult } from '../resource';
import { hostFor, nodeLabel, type NodeConnection } from './connection';

/** `host:port`, the key of a node in `gone_nodes` and in the verdict memory. */
export function nodeKey(c: Pick<NodeConnection, 'host' | 'port'>): string {
  return `${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;
}

/** True for an error that says the node could not be reached (not: refused our key, failed a step). */
export function isUnreachable(err: unknown): err is HostError {
  return isError(err, HostError) && err.kind === 'connect';
}

export interface Verdict {
  /** When this process first failed to reach the node. */
  readonly at: Date;
  readonly error: HostError;
}

/** Unreachable verdicts per node, for the life of one provider process (one Terraform operation). */
export class ReachabilityMemory {
  private readonly verdicts = new Map<string, Verdict>();

  get(c: Pick<NodeConnection, 'host' | 'port'>): Verdict | undefined {
    return this.verdicts.get(nodeKey(c));
  }

  /** Runs `fn` on the node, unless it was found unreachable before: then fails at once, the same way. */
  async on<T>(c: Pick<NodeConnection, 'host' | 'port'>, connect: () => Promise<Host>, fn: (host: Host) => Promise<T>, now: () => Date = () => new Date()): Promise<T> {
    const known = this.get(c);
    if (known) throw known.error;
    try {
      return await fn(await connect());
    } catch (err) {
      if (isUnreachable(err) && !this.verdicts.has(nodeKey(c))) this.verdicts.set(nodeKey(c), { at: now(), error: err });
      throw err;
    }
  }
}

const memory = new ReachabilityMemory();

/** Runs a handler on the node through the process-wide memory (see {@link ReachabilityMemory.on}). */
export function onNode<T>(c: NodeConnection, fn: (host: Host) => Promise<T>): Promise<T> {
  return memory.on(c, () => hostFor(c), fn);
}

/** The verdict this process holds on a node, if it found it unreachable. */
export function verdictOn(c: NodeConnection): Verdict | undefined {
  return memory.get(c);
}

/** What a resource's private data remembers about reaching its node. */
export interface Contact {
  /** ISO time of the first refresh that found the node unreachable (kept while it stays so). */
  readonly unreachableSince?: string;
}

export function parseContact(data: Buffer | undefined): Contact {
  if (!data || data.length === 0) return {};
  try {
    const v = JSON.parse(data.toString('utf8')) as unknown;
    const since = (v as { unreachableSince?: unknown } | null)?.unreachableSince;
    return typeof since === 'string' && !Number.isNaN(Date.parse(since)) ? { unreachableSince: since } : {};
  } catch {
    return {};
  }
}

export function encodeContact(c: Contact): Buffer {
  return c.unreachableSince ? Buffer.from(JSON.stringify({ unreachableSince: c.unreachableSince })) : Buffer.alloc(0);
}

/** Private data after a refresh that reached the node. */
export function reachedPrivate(): Buffer {
  return encodeContact({});
}

/** `2026-12-02 03:40:12 UTC`. */
export function utc(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** The summary every warning about one unreachable node shares (Terraform folds equal summaries). */
export function unreachableSummary(c: NodeConnection): string {
  return `Node ${nodeLabel(c)} is unreachable: its resources keep their last known state`;
}

const WAY_OUT =
  'A node that is gone for good: set goneForGood: true on its DhcpAgentNode (in HCL: gone_for_good = true on its dhcpagent_node and its "host:port" in the provider\'s gone_nodes) and take it out of its networks\' agents; see the README, "A node died".';

/**
 * What a refresh returns when the node could not be reached: the last known state, unchanged
 * (returning null would make Terraform plan a create), the time the node was first found
 * unreachable in private data, and a warning. Undefined when `err` is not about reaching the node.
 */
export function keepWhenUnreachable(current: ObjectValue, priv: Buffer, c: NodeConnection, subject: string, err: unknown, now: Date = new Date()): ReadResult | undefined {
  if (!isUnreachable(err)) return undefined;
  const since = parseContact(priv).unreachableSince ?? now.toISOString();
  return {
    newState: current,
    private: encodeContact({ unreachableSince: since }),
    diagnostics: [
      warningDiagnostic(
        unreachableSummary(c),
        `${subject} was not refreshed: ${nodeLabel(c)} could not be reached (unreachable since ${utc(since)}).\n${err.message}\n\n` +
          `Resources on other nodes are planned and applied as usual. A change to a resource on this node fails at apply until the node answers again. ${WAY_OUT}`,
      ),
    ],
  };
}

/**
 * Warnings for a plan that changes a resource on a node this plan found unreachable (its refresh
 * in this process failed, or its private data says so): the apply will fail for it.
 */
export function planOnUnreachable(c: NodeConnection, subject: string, priorPrivate: Buffer): Diagnostic[] {
  const verdict = verdictOn(c);
  const since = parseContact(priorPrivate).unreachableSince ?? verdict?.at.toISOString();
  if (!since) return [];
  return [
    warningDiagnostic(
      `Node ${nodeLabel(c)} is unreachable: changes planned on it cannot be applied`,
      `${subject}: this change cannot be applied while ${nodeLabel(c)} is unreachable (since ${utc(since)}); the apply will fail for it, naming the node, and apply the changes on other nodes. ${WAY_OUT}`,
    ),
  ];
}

/** Provider data: what the provider block says. */
export interface ProviderData {
  /** `host:port` of every node declared gone for good. */
  readonly goneNodes: ReadonlySet<string>;
  /** What this operation gathered on its nodes (see gathered.ts). */
  readonly gatherings?: Gatherings;
}

/**
 * Parses `gone_nodes` entries: `host`, `host:port` or `[ipv6]:port` (port 22 when not given).
 * Returns the keys and a message per bad entry.
 */
export function parseGoneNodes(entries: readonly Value[]): { keys: Set<string>; problems: { index: number; value: Value; allowed: string }[] } {
  const keys = new Set<string>();
  const problems: { index: number; value: Value; allowed: string }[] = [];
  entries.forEach((e, index) => {
    const m = typeof e === 'string' ? /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)|([0-9A-Fa-f:]*:[0-9A-Fa-f:]*))(?::(\d{1,5}))?$/.exec(e) : null;
    const port = m?.[4] === undefined ? 22 : Number(m[4]);
    // A bare IPv6 address cannot carry a port: its last group would read as one.
    if (!m || port < 1 || port > 65535 || (m[3] !== undefined && m[4] !== undefined)) {
      problems.push({ index, value: e, allowed: 'a node as "host", "host:port" or "[ipv6]:port", the host and port of its dhcpagent_node' });
      return;
    }
    keys.add(nodeKey({ host: m[1] ?? m[2] ?? m[3], port }));
  });
  return { keys, problems };
}

/** Whether the provider block declares the node gone for good. */
export function isGone(provider: unknown, c: NodeConnection): boolean {
  const gone = (provider as Partial<ProviderData> | undefined)?.goneNodes;
  return gone instanceof Set && gone.has(nodeKey(c));
}

/** The warning of a delete that drops a resource from state without contacting its gone node. */
export function forgottenWarning(c: NodeConnection, subject: string): Diagnostic {
  return warningDiagnostic(
    `Node ${nodeLabel(c)} is gone for good: its resources leave the state without being removed from it`,
    `${subject} is dropped from Terraform state; ${nodeLabel(c)} is not contacted (gone_nodes of the provider, goneForGood of its DhcpAgentNode). ` +
      'If the node comes back, its dhcpagent_node (kept in the stack, marked gone for good) finds what the agent left there and the next deploy removes it.',
  );
}

/** The error of a create or change planned on a node declared gone for good. */
export function goneError(c: NodeConnection, subject: string): Diagnostic {
  return errorDiagnostic(
    `Node ${nodeLabel(c)} is gone for good: nothing can be created or changed on it`,
    `${subject}: the provider's gone_nodes lists ${nodeKey(c)}. Take the node out of the network's agents (or out of gone_nodes, if it is back for good).`,
  );
}

/**
 * What the plan of a network or port on node `c` says about the node: a delete on a node gone
 * for good only leaves the state (warning); a create or change there is refused (error); a
 * change on a node found unreachable will fail at apply (warning).
 */
export function planDiagnostics(provider: unknown, c: NodeConnection, subject: string, deleting: boolean, priorPrivate: Buffer): Diagnostic[] {
  if (isGone(provider, c)) return [deleting ? forgottenWarning(c, subject) : goneError(c, subject)];
  return planOnUnreachable(c, subject, priorPrivate);
}
