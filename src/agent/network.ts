/**
 * The network handler (one network on one node): neutron's `Dnsmasq.enable` /
 * `DeviceManager.setup` / `disable`, as create/read/update/delete of plain data.
 */
import type { Host } from '../host/types';
import { sh } from '../host/quote';
import { canonicalIp } from '../model/ip';
import { canonicalJson } from './canonical-json';
import { contextCache, lockFile, networkDir, queueKey, writeAgainstContext, type NetworkContext } from './stored-network';
import { ExistsError, checkResult } from './errors';
import { DNS_LOG_MARKER, deriveNetwork, networkHeader, setupScript, type DerivedNetwork } from './network-script';
import { networkObservation } from './gather';
import { NETWORK_LIB, STATE_PATH_LIB } from './shell';
import { renderPortFiles, writePortFilesCommand } from './port-files';
import { networkQueue } from './queue';
import { lockedRunTimeoutMs, Script, sha256 } from './script';
import { keyValues, parseSections, sectionPairs, sectionText } from './sections';
import { checkGeneration, type HandlerOptions, type NetworkSpec, type ReadOptions } from './spec';
import { assertDhcpAddressesFree, assertValidNetworkSpec } from './validate-spec';
import { networkUnitTemplate } from './systemd-units';
import { sidecarDrift, sidecarLayout, sidecarUnitTemplate } from './sidecar';
import { METADATA_V6_CIDR } from '../model/types';

const METADATA_V6 = normaliseCidr(METADATA_V6_CIDR);

/** What a network looks like on a node, as observed. */
export interface NetworkState {
  readonly networkId: string;
  readonly namespace: string;
  readonly interfaceName: string;
  readonly tapName: string;
  readonly bridge: string;
  /** Addresses on the DHCP device, CIDR form, as observed. */
  readonly addresses: readonly string[];
  /** Client ports kept on the node for this network. */
  readonly portCount: number;
  /** Observed only; never a reason for a change on its own. */
  readonly dnsmasqPid: number | null;
  /** What apply did to dnsmasq: started, reloaded (SIGHUP) or unchanged. Absent after read. */
  readonly dnsmasqAction?: 'started' | 'reloaded' | 'restarted' | 'unchanged';
  /** What apply did to each sidecar (sidecar.ts), by name: started, reloaded, restarted, unchanged or removed. Absent after read. */
  readonly sidecarActions?: Readonly<Record<string, string>>;
  /** Differences between the node and the spec, in plain words; empty when converged. */
  readonly drift: readonly string[];
}

/** Checks a writer's input before anything runs, and derives what it works with. */
function prepare(host: Host, spec: NetworkSpec, opts: HandlerOptions) {
  assertValidNetworkSpec(spec);
  checkGeneration(opts.generation);
  const statePath = spec.options.statePath;
  return { d: deriveNetwork(spec), statePath, key: queueKey(host, statePath, spec.network.id) };
}

/** Creates or converges the network (create and update are the same operation). */
export async function applyNetwork(host: Host, spec: NetworkSpec, opts: HandlerOptions = {}): Promise<NetworkState> {
  const { d, statePath, key } = prepare(host, spec, opts);
  return networkQueue.exclusive(key, async () => {
    const { ctx, result } = await writeAgainstContext(host, key, statePath, spec.network.id, (c) => {
      // Client ports only the node knows of: a DHCP address one of them holds is refused before anything runs.
      assertDhcpAddressesFree(spec, c.ports.values());
      return { script: applyScript(spec, d, c, opts) };
    });
    checkResult(host.label, `network ${spec.network.id}`, result!, 'apply');
    const kv = keyValues(result!.stdout);
    if (kv.has('exists')) {
      contextCache.delete(key);
      throw new ExistsError(host.label, `network ${spec.network.id}`, `its ${d.paths.confDir}/network.json holds other subnets, DHCP port, options or attachment`);
    }
    contextCache.set(key, { serial: Number(kv.get('serial')), netSerial: Number(kv.get('netserial')), spec, ports: ctx.ports });
    const action = (kv.get('dnsmasq') ?? '').split(' ')[0] as NetworkState['dnsmasqAction'];
    const state = stateFromObservation(d, spec, parseSections(result!.stdout.slice(result!.stdout.indexOf('@@dir'))));
    if (!state) throw new Error(`${host.label}: network ${spec.network.id}: not observable right after apply`);
    const sidecarActions: Record<string, string> = {};
    for (const [k, v] of kv) if (k.startsWith('sidecar_')) sidecarActions[k.slice('sidecar_'.length).replace(/_/g, '-')] = v.split(' ')[0];
    return { ...state, dnsmasqAction: action, sidecarActions };
  });
}

export const createNetwork = applyNetwork;
export const updateNetwork = applyNetwork;

function applyScript(spec: NetworkSpec, d: DerivedNetwork, ctx: NetworkContext, opts: HandlerOptions): string {
  const generation = opts.generation;
  const statePath = spec.options.statePath;
  const dir = d.paths.confDir;
  const now = Math.floor(Date.now() / 1000);
  const specJson = canonicalJson(spec) + '\n';
  const s = new Script()
    .add(networkHeader(d), NETWORK_LIB, STATE_PATH_LIB)
    .step('state path')
    .add(sh`check_state_path ${statePath}`)
    .step('lock')
    .add(sh`mkdir -p ${statePath}/dhcp`)
    .lock(lockFile(statePath, spec.network.id));
  if (opts.create) {
    // Adopt what an interrupted apply of this very spec left; refuse anything else.
    s.step('ownership').add(
      sh`if [ -e ${dir}/network.json ] && [ "$(file_sha ${dir}/network.json)" != ${sha256(specJson)} ]; then`,
      '  echo exists=1; exit 0',
      'fi',
    );
  }
  // Refused before anything is written; a lock file made for a network that is not here goes too.
  const lock = lockFile(statePath, spec.network.id);
  s.add('if ! (preflight); then', sh`  [ -e ${dir}/network.json ] || rm -f ${lock}`, '  STEP=preflight; exit 1', 'fi')
    .step('write files')
    // A port batch that died is undone before anything is rendered against what it left.
    .add(sh`if [ -d ${d.portsDir} ]; then recover_ports; fi`, sh`check_serial serial ${ctx.serial}`, sh`mkdir -p ${dir} ${d.portsDir} ${dir}/parts`)
    .writeFile(`${dir}/network.json`, specJson)
    .writeFile(`${dir}/setup.sh`, setupScript(d), 0o755)
    .writeFile(`${dir}/parts/opts.head`, d.optsHead)
    .writeFile(`${dir}/parts/opts.tail`, d.optsTail);
  // Port fragments depend on the network (subnets, domain): render them again with it.
  for (const port of ctx.ports.values()) {
    s.add(writePortFilesCommand(d.portsDir, port.id, renderPortFiles(port, d.ctx, now)));
  }
  if (generation !== undefined) s.writeFile(`${dir}/generation`, generation);
  s.add(d.dnsLog ? sh`printf '%s\n' ${d.dnsLog} > ${`${dir}/${DNS_LOG_MARKER}`}` : sh`rm -f ${`${dir}/${DNS_LOG_MARKER}`}`);
  // Where systemd runs, dnsmasq is the main process of the network's unit (see systemd-units.ts).
  s.writeFile(`${dir}/.unit-template.new`, networkUnitTemplate(statePath)).add('install_unit_template "$DIR/.unit-template.new"');
  // The sidecars' config files (their digest decides whether ensure restarts them) and units.
  for (const sc of d.sidecars) {
    const l = sidecarLayout(statePath, d.networkId, sc);
    const tmp = `${dir}/.unit-${sc.name}.new`;
    s.add(sh`mkdir -p ${l.dir}`).writeFile(l.conf, sc.config, sc.configMode ?? 0o644);
    s.writeFile(tmp, sidecarUnitTemplate(statePath, sc)).add(sh`install_unit_template ${tmp} ${l.unitTemplate}`);
  }
  s.add('bump_serial serial netserial', 'ensure', 'observe');
  return s.toString();
}

/** Observes the network; `null` when nothing of it is left on the node. Changes nothing. */
export async function readNetwork(host: Host, spec: NetworkSpec, opts: ReadOptions = {}): Promise<NetworkState | null> {
  assertValidNetworkSpec(spec);
  const d = deriveNetwork(spec);
  if (opts.gatherings) {
    const seen = networkObservation(await opts.gatherings.of(host, spec.options.statePath), d);
    // No directory: what else is left of the network (namespace, devices) only its own observation tells.
    if (seen) return stateFromObservation(d, spec, seen);
  }
  const script = new Script().add(networkHeader(d), NETWORK_LIB).step('observe').add('observe').toString();
  const result = checkResult(host.label, `network ${spec.network.id}`, await host.run(script), 'observe');
  return stateFromObservation(d, spec, parseSections(result.stdout));
}

/**
 * Removes everything of the network: dnsmasq, rules, devices, namespace, files, an agent-made
 * bridge. With a generation, only when the node records that generation (or none).
 */
export async function deleteNetwork(host: Host, spec: NetworkSpec, opts: HandlerOptions = {}): Promise<{ deleted: boolean }> {
  const { d, statePath, key } = prepare(host, spec, opts);
  return networkQueue.exclusive(key, async () => {
    const lock = lockFile(statePath, spec.network.id);
    const script = new Script()
      .add(networkHeader(d), NETWORK_LIB)
      .step('lock')
      .add(sh`mkdir -p ${statePath}/dhcp`)
      .lock(lock);
    if (opts.generation !== undefined) script.exitIfOtherGeneration(`${d.paths.confDir}/generation`, opts.generation);
    script.add('teardown', sh`rm -f ${lock}`);
    const result = checkResult(host.label, `network ${spec.network.id}`, await host.run(script.toString(), { timeoutMs: lockedRunTimeoutMs() }), 'teardown');
    contextCache.delete(key);
    return { deleted: keyValues(result.stdout).get('deleted') === '1' };
  });
}

interface IpLinkJson {
  ifname?: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  master?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope: string }[];
}

function parseJsonArray<T>(text: string): T[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function normaliseCidr(cidr: string): string {
  const [ip, len] = cidr.split('/');
  return `${canonicalIp(ip) ?? ip}/${len}`;
}

/** Turns the observe sections into a NetworkState, with drift measured against the spec. */
export function stateFromObservation(d: DerivedNetwork, spec: NetworkSpec, sec: Map<string, string[]>): NetworkState | null {
  const dirExists = sectionText(sec, 'dir') === '1';
  const nsExists = sectionText(sec, 'ns') === '1';
  const dns = sectionPairs(sec, 'dnsmasq');
  const pid = Number(dns.get('pid') || '') || null;
  if (!dirExists && !nsExists && pid === null) return null;

  const drift: string[] = [];
  const dir = d.paths.confDir;
  const shas = new Map<string, string>();
  for (const line of sec.get('sha') ?? []) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line.trim());
    if (m) shas.set(m[2], m[1]);
  }
  const assembled = sectionPairs(sec, 'assembled');
  const portCount = Number(sectionText(sec, 'ports') || '0');

  if (!dirExists) {
    drift.push(`state directory ${dir} is missing`);
  } else {
    const expected: [string, string][] = [
      ['network.json', canonicalJson(spec) + '\n'],
      ['setup.sh', setupScript(d)],
      ['parts/opts.head', d.optsHead],
      ['parts/opts.tail', d.optsTail],
    ];
    for (const [file, content] of expected) {
      const have = shas.get(file);
      if (!have) drift.push(`file ${file} is missing from ${dir}`);
      else if (have !== sha256(content)) drift.push(`file ${file} in ${dir} differs from what the agent wrote`);
    }
    for (const [file, kind] of [['host', 'host'], ['addn_hosts', 'addn'], ['opts', 'opts']] as const) {
      const have = shas.get(file);
      const want = (assembled.get(kind) ?? '').split(' ')[0];
      if (!have) drift.push(`file ${file} is missing from ${dir}`);
      else if (want && have !== want) drift.push(`file ${file} differs from the ${portCount} port(s) kept on the node (edited outside the agent?)`);
    }
    if (sectionText(sec, 'leases') !== '1') drift.push(`file leases is missing from ${dir}`);
    if (sectionText(sec, 'txn') === '1') drift.push(`a batch of port changes was interrupted (${d.portsDir}/.txn); apply, or the process monitor, undoes it`);
    const iface = sectionText(sec, 'interface');
    if (iface !== d.interfaceName) drift.push(`file interface names ${JSON.stringify(iface)}, want ${d.interfaceName}`);
  }

  let addresses: string[] = [];
  if (!nsExists) {
    drift.push(`namespace ${d.namespace} is missing`);
  } else {
    const link = parseJsonArray<IpLinkJson>(sectionText(sec, 'nsaddr'))[0];
    if (!link) {
      drift.push(`device ${d.interfaceName} is missing from namespace ${d.namespace}`);
    } else {
      if ((link.address ?? '').toLowerCase() !== d.macAddress) drift.push(`device ${d.interfaceName} has MAC ${link.address}, want ${d.macAddress}`);
      if (d.mtu > 0 && link.mtu !== d.mtu) drift.push(`device ${d.interfaceName} has MTU ${link.mtu}, want ${d.mtu}`);
      if (!(link.flags ?? []).includes('UP')) drift.push(`device ${d.interfaceName} is down`);
      // Global ones, and the link-local metadata address (the only link-local one the agent puts there).
      addresses = (link.addr_info ?? [])
        .map((a) => ({ cidr: normaliseCidr(`${a.local}/${a.prefixlen}`), scope: a.scope }))
        .filter((a) => (a.scope !== 'link' && a.scope !== 'host') || a.cidr === METADATA_V6)
        .map((a) => a.cidr);
      const want = d.addresses.map(normaliseCidr);
      for (const a of want) if (!addresses.includes(a)) drift.push(`address ${a} is missing on ${d.interfaceName}`);
      for (const a of addresses) if (!want.includes(a)) drift.push(`unexpected address ${a} on ${d.interfaceName}`);
    }
    for (const [version, want] of [[4, d.gateway4], [6, d.gateway6]] as const) {
      const routes = parseJsonArray<{ gateway?: string }>(sectionText(sec, `route${version}`));
      const have = routes[0]?.gateway ?? '';
      if ((canonicalIp(have) ?? have) !== (canonicalIp(want) ?? want)) {
        drift.push(`IPv${version} default route in ${d.namespace} is ${have ? `via ${have}` : 'absent'}, want ${want ? `via ${want}` : 'none'}`);
      }
    }
    const acceptRa = sectionText(sec, 'accept_ra');
    if (acceptRa && acceptRa !== '0') drift.push(`accept_ra on ${d.interfaceName} is ${acceptRa}, want 0`);
    const rules = sectionPairs(sec, 'rules');
    if (rules.get('v4') !== '1') drift.push(`iptables mangle CHECKSUM rule for udp/68 is missing in ${d.namespace}`);
    if (d.ipv6Rule && rules.get('v6') !== '1') drift.push(`ip6tables mangle CHECKSUM rule for udp/546 is missing in ${d.namespace}`);
  }

  const tap = parseJsonArray<IpLinkJson>(sectionText(sec, 'taplink'))[0];
  if (!tap) drift.push(`device ${d.tapName} is missing`);
  else {
    if (tap.master !== d.bridge) drift.push(`device ${d.tapName} is attached to ${tap.master ?? 'no bridge'}, want ${d.bridge}`);
    if (!(tap.flags ?? []).includes('UP')) drift.push(`device ${d.tapName} is down`);
  }
  if (sectionText(sec, 'bridge') !== '1') drift.push(`bridge ${d.bridge} is missing`);
  else if (d.bridgeMode === 'create' && sectionText(sec, 'uplink_master') !== d.bridge) {
    drift.push(`uplink ${d.uplink} is not attached to bridge ${d.bridge}`);
  }

  if (pid === null) drift.push(`dnsmasq is not running (no live process named by ${d.paths.pidFile})`);
  else {
    if (dns.get('netns') !== '1') drift.push(`dnsmasq (pid ${pid}) runs in a namespace that is no longer ${d.namespace}`);
    if (dns.get('cmdline') !== '1') drift.push(`dnsmasq (pid ${pid}) runs with a command line other than the one wanted`);
  }
  const stray = (dns.get('stray') ?? '').split(' ').filter(Boolean);
  if (stray.length) drift.push(`other dnsmasq processes run in ${d.namespace}: pid ${stray.join(', ')}`);
  drift.push(...unitDrift(sec.get('unit') ?? [], pid));
  drift.push(...sidecarDrift(spec.options.statePath, d.networkId, d.sidecars, sec.get('sidecars') ?? []));

  return {
    networkId: d.networkId,
    namespace: d.namespace,
    interfaceName: d.interfaceName,
    tapName: d.tapName,
    bridge: d.bridge,
    addresses,
    portCount,
    dnsmasqPid: pid,
    drift,
  };
}

/**
 * What differs in the network's systemd unit, where systemd supervises it (the `@@unit` lines
 * are `Key=Value` from `systemctl show`; none where it does not).
 */
export function unitDrift(lines: readonly string[], dnsmasqPid: number | null): string[] {
  const kv = new Map<string, string>();
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const unit = kv.get('Name');
  if (!unit) return [];
  const drift: string[] = [];
  const enabled = kv.get('UnitFileState') ?? '';
  if (enabled !== 'enabled') drift.push(`systemd unit ${unit} is ${enabled || 'not installed'}, want enabled (the network would not come back after a reboot)`);
  const active = kv.get('ActiveState') ?? '';
  if (active === 'failed') drift.push(`systemd unit ${unit} has failed (${kv.get('Result') || 'no result'}); see journalctl -u ${unit}`);
  else if (active !== 'active' && active !== 'activating' && active !== 'reloading') drift.push(`systemd unit ${unit} is ${active || 'unknown'}, want active`);
  const mainPid = Number(kv.get('MainPID') || '0');
  if (dnsmasqPid !== null && active === 'active' && mainPid !== dnsmasqPid) drift.push(`dnsmasq (pid ${dnsmasqPid}) runs outside its systemd unit ${unit} (main pid ${mainPid || 'none'})`);
  return drift;
}

/** The network dir helper, re-exported for callers that only know ids. */
export { networkDir };
