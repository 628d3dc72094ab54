/**
 * Managed sidecar processes: a daemon that runs in a network's namespace next to dnsmasq
 * (neutron's `ProcessManager` for anything that is not dnsmasq, e.g. the metadata proxy) and is
 * looked after the way dnsmasq is:
 *
 * - its config file, pid file, log and the digest of the config it last loaded live in
 *   `<network state dir>/sidecars/` ({@link sidecarPaths}), so that a network's delete (`rm -rf`
 *   of the directory) and the process monitor (which walks network directories) find it;
 * - `ensure` (apply, the monitor, the network's systemd unit) starts it in `qdhcp-<id>`, and
 *   when it runs already leaves it alone unless the config it loaded differs from the file:
 *   then it sends the reload signal, or restarts it when the sidecar has none;
 * - `check` (the monitor) and `observe` (Read) see a dead process, one in an old namespace,
 *   one with another command line or another config, and one the network no longer wants;
 * - where systemd runs, each sidecar is an instance `dhcp-agent-sc-<h>-<name>@<network>.service`
 *   of a template the agent installs; elsewhere the monitor respawns it.
 *
 * A sidecar is data ({@link Sidecar}); the shell that acts on it is sh/sidecar.sh, fed by the
 * `sidecar_select` function {@link sidecarHeader} renders. To add one: build a Sidecar from the
 * spec and list it in `sidecarsOf` (sidecars.ts).
 */
import { posix } from 'node:path';
import { shq } from '../host/quote';
import { networkPaths } from '../dnsmasq/paths';
import { sha256 } from './script';
import { networkUnitName, sidecarUnitName, sidecarUnitTemplateName } from './systemd-units';

/** A daemon the agent runs in a network's namespace. */
export interface Sidecar {
  /** `[a-z][a-z0-9-]{0,23}`: names its files and its systemd unit. */
  readonly name: string;
  /** What it is, for people: drift sentences and the unit's description, e.g. `metadata proxy (haproxy)`. */
  readonly label: string;
  /**
   * Its command line, run with `ip netns exec qdhcp-<id>`. It must go to the background and
   * write the pid of the process that stays to {@link SidecarPaths.pid}, and name
   * {@link SidecarPaths.conf} as one argument (that is how a process of this sidecar is told
   * from others in the namespace). The process that stays must keep exactly this command line.
   */
  readonly argv: readonly string[];
  /** The config file's content; its digest decides whether a running process is left alone. */
  readonly config: string;
  /** The config file's mode. @default 0o644 */
  readonly configMode?: number;
  /**
   * The signal (`HUP`, `USR2`…) on which the process rereads its config file while it keeps its
   * pid and command line. @default undefined: a changed config restarts the process
   */
  readonly reloadSignal?: string;
  /** The Debian package that provides `argv[0]`, named when the command is missing. */
  readonly package: string;
  /**
   * For a daemon that rewrites its command line into one title (nginx: `nginx: master process
   * <argv joined by spaces>`): that title, which the staying process's `/proc/<pid>/cmdline`
   * then holds instead of `argv`. Its config file must still appear in it as a word.
   * @default undefined: the process keeps `argv`
   */
  readonly title?: string;
}

/** A sidecar's files on the node. */
export interface SidecarPaths {
  /** `<network state dir>/sidecars`. */
  readonly dir: string;
  readonly conf: string;
  readonly pid: string;
  /** sha256 of the config the running process loaded (written just before a start or a reload). */
  readonly loaded: string;
  /** What the process writes to stdout/stderr before it detaches. */
  readonly log: string;
}

const NAME = /^[a-z][a-z0-9-]{0,23}$/;
const SIGNAL = /^[A-Z][A-Z0-9]{1,7}$/;

export function sidecarPaths(confDir: string, name: string): SidecarPaths {
  const dir = posix.join(confDir, 'sidecars');
  return { dir, conf: `${dir}/${name}.conf`, pid: `${dir}/${name}.pid`, loaded: `${dir}/${name}.loaded`, log: `${dir}/${name}.log` };
}

/** The sidecar's files and units on a node with this state path, for this network. */
export function sidecarLayout(statePath: string, networkId: string, sc: Sidecar) {
  return {
    ...sidecarPaths(networkPaths(statePath, networkId).confDir, sc.name),
    unit: sidecarUnitName(statePath, sc.name, networkId),
    unitTemplate: sidecarUnitTemplateName(statePath, sc.name),
  };
}

/** Refuses a sidecar the shell could not name safely or the identity check could not find. */
export function checkSidecar(sc: Sidecar, paths: SidecarPaths): void {
  if (!NAME.test(sc.name)) throw new Error(`sidecar name ${JSON.stringify(sc.name)}: allowed are [a-z][a-z0-9-]{0,23}`);
  if (sc.reloadSignal !== undefined && !SIGNAL.test(sc.reloadSignal)) throw new Error(`sidecar ${sc.name}: reload signal ${JSON.stringify(sc.reloadSignal)}: a signal name such as HUP`);
  if (!sc.argv.includes(paths.conf)) throw new Error(`sidecar ${sc.name}: its command line must name its config file ${paths.conf} as one argument`);
  if (sc.title !== undefined && !sc.title.split(' ').includes(paths.conf)) throw new Error(`sidecar ${sc.name}: its title must name its config file ${paths.conf} as one word`);
}

/**
 * Shell text for the network header: `SIDECARS` (the wanted names) and `sidecar_select <name>`,
 * which sets `SC_*` (files, unit, label, signal) and defines `sc_argv` (the command line, NUL
 * separated) and `sc_spawn` (that command in the namespace) for the sidecar of that name, and fails for a name the network does not want.
 */
export function sidecarHeader(statePath: string, networkId: string, sidecars: readonly Sidecar[]): string {
  const arms = sidecars.map((sc) => {
    const l = sidecarLayout(statePath, networkId, sc);
    checkSidecar(sc, l);
    const argv = sc.argv.map((a) => shq(a)).join(' ');
    const vars: [string, string][] = [
      ['SC_NAME', sc.name],
      ['SC_LABEL', sc.label],
      ['SC_CONF', l.conf],
      ['SC_PID', l.pid],
      ['SC_LOADED', l.loaded],
      ['SC_LOG', l.log],
      ['SC_UNIT', l.unit],
      ['SC_TEMPLATE', l.unitTemplate],
      ['SC_SIG', sc.reloadSignal ?? ''],
      // What the agent wrote: the monitor's check wants the process to have loaded this.
      ['SC_SHA', sha256(sc.config)],
      ['SC_BIN', sc.argv[0]],
      ['SC_PKG', sc.package],
      ['SC_TITLE', sc.title ?? ''],
    ];
    return [
      `    ${shq(sc.name)})`,
      ...vars.map(([k, v]) => `      ${k}=${shq(v)}`),
      `      sc_argv() { printf '%s\\0' ${argv}; }`,
      `      sc_spawn() { ip netns exec "$NS" ${argv}; }`,
      '      ;;',
    ].join('\n');
  });
  return [
    `SIDECARS=${shq(sidecars.map((s) => s.name).join(' '))}`,
    `SIDECAR_DIR=${shq(sidecarPaths(networkPaths(statePath, networkId).confDir, '').dir)}`,
    'sidecar_select() {',
    '  case "$1" in',
    ...arms,
    '    *) return 1 ;;',
    '  esac',
    '}',
  ].join('\n');
}

/**
 * The template of a sidecar's per-network unit: started after the network's own unit (which
 * makes the namespace), from the network's setup.sh; forking, with the sidecar's pid file.
 */
export function sidecarUnitTemplate(statePath: string, sc: Pick<Sidecar, 'name' | 'label' | 'reloadSignal'>): string {
  // `%i`: systemd puts the instance, the network id, in place of a network id.
  const paths = networkPaths(statePath, '%i');
  const setup = `${paths.confDir}/setup.sh`;
  return [
    '[Unit]',
    `Description=cdktf-dhcp-agent network %i: ${sc.label} in namespace qdhcp-%i (${statePath})`,
    `After=network.target ${networkUnitName(statePath, '%i')}`,
    // A network being deleted loses setup.sh first: then nothing may bring it back.
    `ConditionPathExists=${setup}`,
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=forking',
    `PIDFile=${sidecarPaths(paths.confDir, sc.name).pid}`,
    `ExecStart=/bin/sh ${setup} sidecar-start ${sc.name}`,
    ...(sc.reloadSignal ? [`ExecReload=/bin/kill -${sc.reloadSignal} $MAINPID`] : []),
    'Restart=on-failure',
    'RestartSec=2',
    'TimeoutStartSec=30',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** One sidecar as `observe` prints it in `@@sidecars` (see sh/sidecar.sh, observe_sidecars). */
interface ObservedSidecar {
  pid: number | null;
  netns: boolean;
  cmdline: boolean;
  loaded: string;
  conf: string;
}

/**
 * What differs in the network's sidecars, in plain words: the `@@sidecars` lines of observe
 * against the wanted sidecars. Lines: `want <name> pid=<p> netns=0|1 cmdline=0|1 loaded=<sha>
 * conf=<sha>`, `unwanted <name> <pid>`, `stray <pid>…`, `unit <name> <Key>=<Value>`.
 */
export function sidecarDrift(statePath: string, networkId: string, sidecars: readonly Sidecar[], lines: readonly string[]): string[] {
  const seen = new Map<string, ObservedSidecar>();
  const units = new Map<string, Map<string, string>>();
  const drift: string[] = [];
  const unwanted: string[] = [];
  let stray: string[] = [];
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    if (words[0] === 'want' && words[1]) {
      const kv = new Map(words.slice(2).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] as const));
      seen.set(words[1], { pid: Number(kv.get('pid') || '') || null, netns: kv.get('netns') === '1', cmdline: kv.get('cmdline') === '1', loaded: kv.get('loaded') ?? '', conf: kv.get('conf') ?? '' });
    } else if (words[0] === 'unwanted' && words[1]) {
      unwanted.push(`${words[1]} (pid ${words[2] ?? '?'})`);
    } else if (words[0] === 'stray') {
      stray = words.slice(1);
    } else if (words[0] === 'unit' && words[1] && words[2]) {
      const eq = words[2].indexOf('=');
      if (!units.has(words[1])) units.set(words[1], new Map());
      units.get(words[1])!.set(words[2].slice(0, eq), words.slice(2).join(' ').slice(eq + 1));
    }
  }
  for (const sc of sidecars) {
    const l = sidecarLayout(statePath, networkId, sc);
    const o = seen.get(sc.name);
    const want = sha256(sc.config);
    if (!o?.conf) drift.push(`${sc.label}: config file ${l.conf} is missing`);
    else if (o.conf !== want) drift.push(`${sc.label}: config file ${l.conf} differs from what the agent wrote`);
    if (!o?.pid) {
      drift.push(`${sc.label} is not running (no live process named by ${l.pid})`);
    } else {
      if (!o.netns) drift.push(`${sc.label} (pid ${o.pid}) runs in a namespace that is no longer qdhcp-${networkId}`);
      if (!o.cmdline) drift.push(`${sc.label} (pid ${o.pid}) runs with a command line other than the one wanted`);
      if (o.loaded !== want) drift.push(`${sc.label} (pid ${o.pid}) runs with a configuration other than the one wanted (it loaded another ${l.conf})`);
    }
    const u = units.get(sc.name);
    if (u) {
      const active = u.get('ActiveState') ?? '';
      if (u.get('UnitFileState') !== 'enabled') drift.push(`systemd unit ${l.unit} is ${u.get('UnitFileState') || 'not installed'}, want enabled`);
      if (active !== 'active' && active !== 'activating' && active !== 'reloading') drift.push(`systemd unit ${l.unit} is ${active || 'unknown'}, want active`);
      const main = Number(u.get('MainPID') || '0');
      if (o?.pid && active === 'active' && main !== o.pid) drift.push(`${sc.label} (pid ${o.pid}) runs outside its systemd unit ${l.unit} (main pid ${main || 'none'})`);
    }
  }
  if (unwanted.length) drift.push(`sidecar processes run that the network no longer wants: ${unwanted.join(', ')}`);
  if (stray.length) drift.push(`other sidecar processes run in qdhcp-${networkId}: pid ${stray.join(', ')}`);
  return drift;
}
