/**
 * The port handler (one port of one network on one node): neutron's reload_allocations.
 * Ports of a network applied at the same time are coalesced into one script, one rewrite of
 * host/addn_hosts/opts and at most one SIGHUP; the network lock on the node keeps writers in
 * other processes from losing each other's updates.
 */
import type { Host } from '../host/types';
import { sh } from '../host/quote';
import { ValidationError } from '../model/errors';
import { ipVersionOf } from '../model/ip';
import { namespaceName } from '../model/naming';
import { type Network, type Port } from '../model/types';
import { contextCache, lockFile, networkDir, portsDir, queueKey, writeAgainstContext, type NetworkContext } from './stored-network';
import { ExistsError, checkResult } from './errors';
import { COMMON_LIB, NETWORK_LIB } from './shell';
import { renderContext } from './network-script';
import { removePortFilesCommand, renderPortFiles, writePortFilesCommand } from './port-files';
import { networkQueue, type Outcome } from './queue';
import { Script, sha256 } from './script';
import { keyValues, parseSections, sectionText } from './sections';
import { checkGeneration, type HandlerOptions, type NetworkSpec, type PortSpec } from './spec';
import { ownPortIdIssue, validatePortSpec } from './validate-spec';
import { PORT_METADATA_LIB, metadataCommand, metadataDrift, metadataHeader, observeMetadataCommand, portMetadataTree } from './port-metadata';
import { effectivePort } from './effective-port';
import { SYSTEMD_UNIT_DIR, networkUnitName, networkUnitTemplateName } from './systemd-units';
import { portObservation, type PortObservation } from './gather';
import type { ReadOptions } from './spec';

export interface PortState {
  readonly portId: string;
  readonly networkId: string;
  /** What apply did to dnsmasq: reloaded (SIGHUP), restarted (where SIGHUP is unsafe), unchanged, or not-running. Absent after read. */
  readonly dnsmasqAction?: 'reloaded' | 'restarted' | 'unchanged' | 'not-running';
  /** Differences between the node and the spec, in plain words; empty when converged. */
  readonly drift: readonly string[];
  /** The port as kept on the node (subnet ids resolved, DNS names assigned). Set by apply. */
  readonly port?: Port;
  /** Milliseconds the batch's script ran on the node (lock wait, files, reload), as the node measured it. Set by apply. */
  readonly nodeMs?: number;
}

type PortOp = { readonly kind: 'upsert' | 'delete'; readonly spec: PortSpec; readonly generation?: string; readonly create?: boolean };

export function applyPort(host: Host, spec: PortSpec, opts: HandlerOptions = {}): Promise<PortState> {
  preflight(spec);
  checkGeneration(opts.generation);
  return networkQueue.batched<PortOp, PortState>(key(host, spec), 'ports', { kind: 'upsert', spec, generation: opts.generation, create: opts.create }, (ops) => runBatch(host, spec, ops));
}

export const createPort = applyPort;
export const updatePort = applyPort;

/** Removes the port; with a generation, only when the node records that generation (or none). */
export async function deletePort(host: Host, spec: PortSpec, opts: HandlerOptions = {}): Promise<void> {
  preflight(spec);
  checkGeneration(opts.generation);
  await networkQueue.batched<PortOp, PortState>(key(host, spec), 'ports', { kind: 'delete', spec, generation: opts.generation }, (ops) => runBatch(host, spec, ops));
}

function key(host: Host, spec: PortSpec): string {
  return queueKey(host, spec.statePath, spec.networkId);
}

function preflight(spec: PortSpec): void {
  const issues = validatePortSpec(spec);
  if (issues.length) throw new ValidationError(issues);
}

function portHeader(statePath: string, networkId: string): string {
  return [
    sh`NET_ID=${networkId}`,
    sh`NS=${namespaceName(networkId)}`,
    sh`DIR=${networkDir(statePath, networkId)}`,
    sh`PORTS_DIR=${portsDir(statePath, networkId)}`,
    // A reload that must restart dnsmasq goes through its systemd unit where there is one.
    sh`UNIT=${networkUnitName(statePath, networkId)}`,
    sh`UNIT_TEMPLATE=${networkUnitTemplateName(statePath)}`,
    sh`UNIT_DIR=${SYSTEMD_UNIT_DIR}`,
    // The network's own setup.sh knows dnsmasq's command line.
    'spawn_dnsmasq() { sh "$DIR/setup.sh" spawn; }',
    metadataHeader(statePath, networkId),
  ].join('\n');
}

async function runBatch(host: Host, first: PortSpec, ops: PortOp[]): Promise<Outcome<PortState>[]> {
  const { statePath, networkId } = first;
  const k = key(host, first);
  const { ctx, rendered: planned, result } = await writeAgainstContext(host, k, statePath, networkId, (c) => planBatch(host, c, ops));
  if (!result) return planned.outcomes;
  checkResult(host.label, `network ${networkId} ports`, result, 'reload allocations');
  const kv = keyValues(result.stdout);
  if (planned.uncertain) contextCache.delete(k);
  else contextCache.set(k, { serial: Number(kv.get('serial')), netSerial: ctx.netSerial, spec: ctx.spec, ports: planned.ports });
  const action = (kv.get('dnsmasq') ?? '').split(' ')[0] as PortState['dnsmasqAction'];
  const nodeMs = Number(kv.get('node_ms'));
  const taken = new Set(result.stdout.split('\n').flatMap((l) => (l.startsWith(PORT_EXISTS) ? [l.slice(PORT_EXISTS.length)] : [])));
  if (taken.size) contextCache.delete(k);
  return planned.outcomes.map((o, i) => {
    const op = ops[i];
    if (op.kind === 'upsert' && op.create && taken.has(op.spec.port.id)) {
      return { error: new ExistsError(host.label, `port ${op.spec.port.id} of network ${networkId}`, 'another MAC, address, name or options') };
    }
    return 'ok' in o && o.ok ? { ok: { ...o.ok, dnsmasqAction: action, ...(Number.isFinite(nodeMs) ? { nodeMs } : {}) } } : o;
  });
}

/** stdout line of a create that found another port of its id (see ExistsError). */
const PORT_EXISTS = 'exists_port=';

interface PlannedBatch {
  /** `null` when no operation is left to run (all refused, or deletes of absent ports). */
  readonly script: string | null;
  readonly outcomes: Outcome<PortState>[];
  readonly ports: Map<string, Port>;
  /** The node decides some deletes (generations): what it keeps is read again next time. */
  readonly uncertain?: boolean;
}

function planBatch(host: Host, ctx: NetworkContext, ops: PortOp[]): PlannedBatch {
  const networkId = ops[0].spec.networkId;
  const statePath = ops[0].spec.statePath;
  const ports = new Map(ctx.ports);
  const outcomes: Outcome<PortState>[] = [];
  let uncertain = false;
  if (!ctx.spec) {
    // Nothing to remove a port from; anything to add has no network to join.
    for (const op of ops) {
      outcomes.push(
        op.kind === 'delete'
          ? { ok: { portId: op.spec.port.id, networkId, drift: [] } }
          : { error: new Error(`${host.label}: network ${networkId} is not set up on this node (no ${networkDir(statePath, networkId)}/network.json); apply its dhcpagent_network first`) },
      );
    }
    return { script: null, outcomes, ports };
  }
  const rctx = renderContext(ctx.spec);
  const now = Math.floor(Date.now() / 1000);
  const dir = portsDir(statePath, networkId);
  const commands: string[] = [];
  for (const op of ops) {
    const port = op.kind === 'upsert' ? effectivePort(op.spec, ctx.spec) : op.spec.port;
    if (op.kind === 'delete') {
      // Removed whatever this process last saw: another process may have written the port.
      const known = ports.get(port.id) ?? port;
      const remove = [removePortFilesCommand(dir, port.id)];
      for (const fip of known.fixedIps) {
        if (ipVersionOf(fip.ipAddress) === 4) remove.push(sh`release_lease ${fip.ipAddress} ${known.macAddress}`);
      }
      remove.push(metadataCommand(known, null, undefined));
      remove.push('WROTE=1');
      if (op.generation === undefined) {
        commands.push(...remove);
      } else {
        // Only when no successor recorded another generation (decided on the node, under the lock).
        const marker = `${dir}/${port.id}.generation`;
        commands.push(sh`if [ ! -e ${marker} ] || [ "$(cat ${marker})" = ${op.generation} ]; then`, ...remove, 'fi');
        uncertain = true;
      }
      ports.delete(port.id);
      outcomes.push({ ok: { portId: port.id, networkId, drift: [] } });
      continue;
    }
    const network: Network = { ...ctx.spec.network, ports: [...ctx.spec.network.ports, ...[...ports.values()].filter((p) => p.id !== port.id)] };
    const issues = validatePortSpec({ ...op.spec, port }, network, ctx.spec.options);
    if (issues.length) {
      outcomes.push({ error: new ValidationError(issues) });
      continue;
    }
    const infrastructure = ownPortIdIssue(ctx.spec.network, port.id, 'port.id');
    if (infrastructure) {
      outcomes.push({ error: new ValidationError([infrastructure]) });
      continue;
    }
    const files = renderPortFiles(port, rctx, now);
    // Metadata first: the port counts as applied once its spec file is written.
    const write = [metadataCommand(port, portMetadataTree(op.spec, port), ports.get(port.id)), writePortFilesCommand(dir, port.id, files)];
    if (op.generation !== undefined) write.push(sh`printf '%s' ${op.generation} > ${`${dir}/${port.id}.generation`}`);
    if (op.create) {
      // Adopt what an interrupted apply of this very port left; leave another port of this id alone.
      const json = `${dir}/${port.id}.json`;
      commands.push(sh`if [ -e ${json} ] && [ "$(file_sha ${json})" != ${sha256(files.json)} ]; then echo ${PORT_EXISTS + port.id}; else`, ...write, 'WROTE=1', 'fi');
    } else commands.push(...write, 'WROTE=1');
    ports.set(port.id, port);
    outcomes.push({ ok: { portId: port.id, networkId, drift: [], port } });
  }
  if (commands.length === 0) return { script: null, outcomes, ports };
  const touched = [...new Set(ops.map((op) => op.spec.port.id))];
  const script = new Script()
    .add('T0=$(date +%s%N)', portHeader(statePath, networkId), NETWORK_LIB, PORT_METADATA_LIB)
    .step('lock')
    .lock(lockFile(statePath, networkId))
    .step('write port files')
    // A batch that died is undone first (and its counters bumped, so a context read before
    // that is stale: check_serial sends this writer back to read again).
    .add(sh`mkdir -p ${dir}`, 'recover_ports', sh`check_serial netserial ${ctx.netSerial}`, sh`begin_ports ${touched}`)
    .onFailure('{ recover_ports; reload_allocations; }')
    // A batch whose every create was refused (another port of its id) changes nothing, not even the serial.
    .add('WROTE=0', ...commands, 'if [ "$WROTE" = 1 ]; then bump_serial serial; fi')
    .step('reload allocations')
    .add('reload_allocations')
    .step('commit')
    .add('commit_ports', 'echo "node_ms=$(( ($(date +%s%N) - T0) / 1000000 ))"');
  return { script: script.toString(), outcomes, ports, uncertain };
}

/** Observes a port on the node; `null` when the port (or its network) is not there. Changes nothing. */
export async function readPort(host: Host, spec: PortSpec, opts: ReadOptions = {}): Promise<PortState | null> {
  preflight(spec);
  const { statePath, networkId } = spec;
  if (opts.gatherings) return portStateFrom(spec, portObservation(await opts.gatherings.of(host, statePath), networkId, spec.port.id, spec.port));
  const dir = networkDir(statePath, networkId);
  const base = `${portsDir(statePath, networkId)}/${spec.port.id}`;
  const script = new Script()
    .step('observe port')
    .add(
      metadataHeader(statePath, networkId),
      COMMON_LIB,
      PORT_METADATA_LIB,
      sh`echo @@network; cat ${dir}/network.json 2>/dev/null || true; echo`,
      sh`echo @@port; cat ${base}.json 2>/dev/null || true; echo`,
      sh`echo @@sha; for f in host addn opts; do printf '%s ' "$f"; file_sha ${base}."$f" || echo missing; done`,
      'echo @@metadata',
      observeMetadataCommand(spec.port),
      'echo @@end',
    );
  const result = checkResult(host.label, `port ${spec.port.id}`, await host.run(script.toString()), 'observe port');
  const sec = parseSections(result.stdout);
  const shas = new Map((sec.get('sha') ?? []).filter((l) => l.trim()).map((l) => l.trim().split(' ') as [string, string]));
  return portStateFrom(spec, { networkText: sectionText(sec, 'network'), portText: sectionText(sec, 'port'), shas, metadata: sec.get('metadata') ?? [] });
}

/** A port's state from what was observed of it (by its own read, or a node's gathering). */
function portStateFrom(spec: PortSpec, seen: PortObservation): PortState | null {
  const { networkId } = spec;
  const { networkText, portText, shas } = seen;
  if (!networkText || !portText) return null;
  const drift: string[] = [];
  let networkSpec: NetworkSpec;
  try {
    networkSpec = JSON.parse(networkText) as NetworkSpec;
  } catch {
    return { portId: spec.port.id, networkId, drift: [`${networkDir(spec.statePath, networkId)}/network.json is not valid JSON; re-apply the network`] };
  }
  let kept: Port | null = null;
  try {
    kept = JSON.parse(portText) as Port;
  } catch {
    drift.push(`ports/${spec.port.id}.json on the node is not valid JSON`);
  }
  const rctx = renderContext(networkSpec);
  const effective = effectivePort(spec, networkSpec);
  const wanted = renderPortFiles(effective, rctx, 0);
  if (kept && wanted.json !== renderPortFiles(kept, rctx, 0).json) {
    drift.push(`the port kept on the node differs from the spec (MAC, addresses, name or options changed outside this configuration)`);
  }
  for (const [kind, label] of [['host', 'host'], ['addn', 'addn_hosts'], ['opts', 'opts']] as const) {
    const have = shas.get(kind);
    if (!have || have === 'missing') drift.push(`the port's ${label} fragment is missing on the node`);
    else if (have !== sha256(wanted[kind])) drift.push(`the port's ${label} fragment on the node differs from the spec`);
  }
  drift.push(...metadataDrift(effective, portMetadataTree(spec, effective), seen.metadata ?? []));
  return { portId: spec.port.id, networkId, drift };
}
