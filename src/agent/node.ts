/**
 * The node handler: prerequisites (neutron's check_version and sanity checks), the state
 * directory and the process monitor.
 */
import type { Host } from '../host/types';
import { sh, shq } from '../host/quote';
import { ValidationError } from '../model/errors';
import { checkResult } from './errors';
import { monitorPaths, monitorScript } from './monitor';
import { shellFile, shellVars } from '../host/shell-files';
import { COMMON_LIB, STATE_PATH_LIB } from './shell';
import { lockFileParts } from './stored-network';
import { SYSTEMD_UNIT_DIR, monitorUnit, networkUnitTemplate, networkUnitTemplateName, sidecarUnitTemplateGlob } from './systemd-units';
import { Script, sha256 } from './script';
import { parseSections, sectionPairs, sectionText } from './sections';
import { checkGeneration, type HandlerOptions, type NodeSpec } from './spec';
import { validateNodeSpec } from './validate-spec';

/** neutron's minimum dnsmasq version (agent/linux/dhcp.py, check_version). */
export const MIN_DNSMASQ_VERSION = '2.67';

export interface NodeState {
  readonly hostname: string;
  readonly kernel: string;
  readonly dnsmasqVersion: string;
  /** `nf_tables` or `legacy`. */
  readonly iptables: string;
  /** Networks kept under the state path (ids). */
  readonly networks: readonly string[];
  /** Observed only. */
  readonly monitorPid: number | null;
  /** How the monitor comes back after a reboot: systemd, cron or none. */
  readonly monitorBoot: 'systemd' | 'cron' | 'none';
  readonly drift: readonly string[];
}

/** Thrown when the node lacks something the agent needs; nothing was changed on it. */
export class PrerequisiteError extends Error {
  constructor(readonly node: string, readonly missing: readonly string[]) {
    super(`${node}: missing prerequisites: ${missing.join('; ')}`);
    this.name = 'PrerequisiteError';
  }
}

function preflight(spec: NodeSpec): void {
  const issues = validateNodeSpec(spec);
  if (issues.length) throw new ValidationError(issues);
}

/** Prints `missing <what>` lines for absent tools; changes nothing. */
const TOOLS = COMMON_LIB + shellVars({ MIN_DNSMASQ: MIN_DNSMASQ_VERSION }) + shellFile('agent/sh/node-tools.sh');

/** Tries what only a real namespace shows (netns support, the CHECKSUM target) in a throw-away namespace. */
const PROBE = shellFile('agent/sh/node-probe.sh');

/** `@@facts`; after TOOLS (common.sh's functions). */
const FACTS = shellFile('agent/sh/node-facts.sh');

/** What readNode compares: the state directory, the networks, the monitor and its units. */
function observe(spec: NodeSpec): string {
  const p = monitorPaths(spec.statePath);
  const vars = {
    STATE: spec.statePath,
    MONITOR: p.script,
    MONITOR_PID: p.pidFile,
    UNIT: p.unit,
    NET_TEMPLATE: networkUnitTemplateName(spec.statePath),
    UNIT_DIR: SYSTEMD_UNIT_DIR,
  };
  return shellVars(vars) + shellFile('agent/sh/node-observe.sh');
}

function header(spec: NodeSpec): string {
  return sh`STATE=${spec.statePath}`;
}

/**
 * Checks what applyNode needs before it changes anything: the state path, the tools (dnsmasq,
 * ip, iptables…), what only a namespace shows. Changes nothing; throws PrerequisiteError naming
 * what is missing. Returns how the node boots its services. The provider also runs it at plan
 * time, so a node that cannot be set up fails the plan with the diagnostic the apply would give.
 */
export async function checkNode(host: Host, spec: NodeSpec): Promise<{ boot: string }> {
  preflight(spec);
  const script = new Script()
    .add(header(spec), STATE_PATH_LIB)
    .step('state path')
    .add('check_state_path "$STATE"')
    .step('prerequisites')
    .add(TOOLS, PROBE, FACTS)
    .toString();
  const pre = checkResult(host.label, 'node', await host.run(script), 'prerequisites');
  const preSec = parseSections(pre.stdout);
  const missing = (preSec.get('missing') ?? []).map((l) => l.trim()).filter((l) => l.startsWith('missing ')).map((l) => l.slice(8));
  if (missing.length) throw new PrerequisiteError(host.label, missing);
  return { boot: sectionPairs(preSec, 'facts').get('boot') ?? 'none' };
}

/** Checks prerequisites, creates the state directory and (re)starts the monitor. */
export async function applyNode(host: Host, spec: NodeSpec, opts: HandlerOptions = {}): Promise<NodeState> {
  checkGeneration(opts.generation);
  const p = monitorPaths(spec.statePath);
  // Check first, change nothing when something is missing.
  const { boot } = await checkNode(host, spec);

  const s = new Script()
    .add(header(spec), STATE_PATH_LIB)
    .step('state directory')
    .add('check_state_path "$STATE"', sh`mkdir -p ${spec.statePath}/dhcp`, sh`chmod 755 ${spec.statePath} ${spec.statePath}/dhcp`)
    .step('monitor')
    .add(sh`if [ -e ${p.script} ]; then sh ${p.script} stop || true; fi`)
    .writeFile(p.script, monitorScript(spec.statePath, spec.monitorIntervalSeconds), 0o755);
  if (boot === 'systemd') {
    // Neither file names a process: daemon-reload and a restart of the monitor (KillMode=process)
    // leave every network's dnsmasq, which runs in its own unit, as it is.
    s.writeFile(`${SYSTEMD_UNIT_DIR}/${p.unit}`, monitorUnit(spec.statePath, p.script))
      .writeFile(`${SYSTEMD_UNIT_DIR}/${networkUnitTemplateName(spec.statePath)}`, networkUnitTemplate(spec.statePath))
      .add(
        sh`systemctl daemon-reload`,
        sh`systemctl enable --quiet ${p.unit}`,
        sh`systemctl restart ${p.unit}`,
      );
  } else {
    s.add(sh`sh ${p.script} start`);
    if (boot === 'cron') s.add(cronInstall(spec.statePath));
  }
  if (opts.generation !== undefined) s.writeFile(nodeGenerationFile(spec.statePath), opts.generation);
  checkResult(host.label, 'node', await host.run(s.toString()), 'monitor');
  const state = await readNode(host, spec);
  if (!state) throw new Error(`${host.label}: state directory ${spec.statePath} not found right after creating it`);
  return state;
}

export const createNode = applyNode;
export const updateNode = applyNode;

export async function readNode(host: Host, spec: NodeSpec): Promise<NodeState | null> {
  const script = new Script().step('observe node').add(TOOLS, FACTS, observe(spec)).toString();
  const result = checkResult(host.label, 'node', await host.run(script), 'observe node');
  const sec = parseSections(result.stdout);
  if (sectionText(sec, 'state') !== '1') return null;
  const facts = sectionPairs(sec, 'facts');
  const mon = sectionPairs(sec, 'monitor');
  const monitorPid = Number(mon.get('pid') || '') || null;
  const drift: string[] = [];
  const missing = (sec.get('missing') ?? []).map((l) => l.trim()).filter((l) => l.startsWith('missing '));
  drift.push(...missing.map((m) => `prerequisite ${m}`));
  if (!monitorPid) drift.push('the process monitor is not running');
  const want = sha256(monitorScript(spec.statePath, spec.monitorIntervalSeconds));
  if (mon.get('sha') !== want) drift.push(`${monitorPaths(spec.statePath).script} is missing or differs from what the agent wrote`);
  if (facts.get('boot') === 'systemd') drift.push(...unitDrift(spec, sec.get('units') ?? []));
  return {
    hostname: facts.get('hostname') ?? '',
    kernel: facts.get('kernel') ?? '',
    dnsmasqVersion: facts.get('dnsmasq') ?? '',
    iptables: facts.get('iptables') ?? '',
    networks: (sec.get('networks') ?? []).map((l) => l.trim()).filter(Boolean),
    monitorPid,
    monitorBoot: (facts.get('boot') as NodeState['monitorBoot']) ?? 'none',
    drift,
  };
}

/**
 * Stops and removes the monitor and the agent's files when no network is left; with networks
 * left, changes nothing and returns their ids (their dnsmasq would otherwise lose the monitor).
 */
export async function deleteNode(host: Host, spec: NodeSpec, opts: HandlerOptions = {}): Promise<{ networksLeft: readonly string[]; deleted: boolean }> {
  preflight(spec);
  checkGeneration(opts.generation);
  const p = monitorPaths(spec.statePath);
  const locks = lockFileParts(spec.statePath);
  const script = new Script().add(header(spec));
  if (opts.generation !== undefined) script.exitIfOtherGeneration(nodeGenerationFile(spec.statePath), opts.generation);
  script
    .step('networks left')
    .add(
      'left=""',
      'for f in "$STATE"/dhcp/*/network.json; do [ -e "$f" ] && left="$left $(basename "$(dirname "$f")")"; done',
      'if [ -n "$left" ]; then echo "left=$left"; exit 0; fi',
    )
    .step('monitor')
    .add(
      sh`if [ -e ${p.script} ]; then sh ${p.script} stop || true; fi`,
      sh`if command -v systemctl >/dev/null 2>&1 && [ -e ${SYSTEMD_UNIT_DIR}/${p.unit} ]; then systemctl disable --now ${p.unit} >/dev/null 2>&1 || true; rm -f ${SYSTEMD_UNIT_DIR}/${p.unit}; systemctl daemon-reload; fi`,
      sh`if command -v systemctl >/dev/null 2>&1 && [ -e ${SYSTEMD_UNIT_DIR}/${networkUnitTemplateName(spec.statePath)} ]; then rm -f ${SYSTEMD_UNIT_DIR}/${networkUnitTemplateName(spec.statePath)}; systemctl daemon-reload; fi`,
      // The sidecars' templates (sidecar.ts): the glob is quoted but for its `*`.
      `for f in ${shq(SYSTEMD_UNIT_DIR + '/')}${sidecarUnitTemplateGlob(spec.statePath).split('*').map((x) => shq(x)).join('*')}; do if [ -e "$f" ]; then rm -f "$f"; systemctl daemon-reload 2>/dev/null || true; fi; done`,
      cronRemove(spec.statePath),
    )
    .step('state directory')
    // Only the agent's own files: a state path set to a shared directory must survive.
    .add(
      sh`rm -f ${p.script} ${p.pidFile} ${p.log} ${nodeGenerationFile(spec.statePath)}`,
      `rm -f ${shq(locks.prefix)}*${shq(locks.suffix)}`,
      sh`rmdir ${spec.statePath}/dhcp 2>/dev/null || true`,
      sh`rmdir ${spec.statePath} 2>/dev/null || true`,
      'echo left=',
    );
  const result = checkResult(host.label, 'node', await host.run(script.toString()), 'delete node');
  const left = /^left=(.*)$/m.exec(result.stdout)?.[1] ?? '';
  return { networksLeft: left.split(' ').filter(Boolean), deleted: !/^deleted=0$/m.test(result.stdout) && !left.trim() };
}

/** What differs in the node's systemd units (read where systemd runs), in plain words. */
export function unitDrift(spec: NodeSpec, lines: readonly string[]): string[] {
  const p = monitorPaths(spec.statePath);
  const template = networkUnitTemplateName(spec.statePath);
  const wanted = new Map([
    [p.unit, sha256(monitorUnit(spec.statePath, p.script))],
    [template, sha256(networkUnitTemplate(spec.statePath))],
  ]);
  const drift: string[] = [];
  for (const line of lines) {
    const [kind, a, b] = line.trim().split(' ');
    if (kind === 'sha' && wanted.has(a)) {
      if (!b) drift.push(`systemd unit ${SYSTEMD_UNIT_DIR}/${a} is missing`);
      else if (b !== wanted.get(a)) drift.push(`systemd unit ${SYSTEMD_UNIT_DIR}/${a} differs from what the agent wrote`);
    } else if (kind === 'monitor') {
      if (a !== 'active') drift.push(`the process monitor's systemd unit ${p.unit} is ${a || 'unknown'}, want active`);
      if (b !== 'enabled') drift.push(`the process monitor's systemd unit ${p.unit} is ${b || 'not installed'}, want enabled (it would not start at boot)`);
    }
  }
  return drift;
}

function nodeGenerationFile(statePath: string): string {
  return `${statePath}/node.generation`;
}

function cronMarker(statePath: string): string {
  return `# dhcp-agent-monitor ${monitorPaths(statePath).unit}`;
}

/** Reads root's crontab into $CRON, or fails changing nothing (see sh/read-crontab.sh). */
const READ_CRONTAB = shellFile('agent/sh/read-crontab.sh').trimEnd();

export function cronInstall(statePath: string): string {
  // State paths are validated to plain path characters, safe unquoted in a crontab line.
  const line = `@reboot /bin/sh ${monitorPaths(statePath).script} start ${cronMarker(statePath)}`;
  return [READ_CRONTAB, sh`{ if [ -n "$CRON" ]; then printf '%s\n' "$CRON" | grep -vF ${cronMarker(statePath)} || true; fi; echo ${line}; } | crontab -`].join('\n');
}

export function cronRemove(statePath: string): string {
  return [
    'if command -v crontab >/dev/null 2>&1; then',
    READ_CRONTAB,
    sh`if printf '%s\n' "$CRON" | grep -qF ${cronMarker(statePath)}; then printf '%s\n' "$CRON" | grep -vF ${cronMarker(statePath)} | crontab -; fi`,
    'fi',
  ].join('\n');
}
