/**
 * A systemd lab node's container: `systemd-nspawn -b` on the node's disk, in the node's network
 * namespace. Facts this rests on (see /work/shared/design.md, "A lab node that boots systemd"):
 * - `--register=no --keep-unit`: the host has no D-Bus/systemd to register with; nspawn then
 *   makes its cgroups where it is started, so it is started from a cgroup of its own.
 * - `SYSTEMD_NSPAWN_API_VFS_WRITABLE=network`: /proc/sys/net writable inside (the agent sets
 *   accept_ra in its namespaces).
 * - `--capability=CAP_NET_ADMIN`: nspawn keeps it only with `--private-network`, which
 *   `--network-namespace-path` does not imply; without it a login over SSH can make a namespace
 *   (CAP_SYS_ADMIN) but no veth, no iptables rule, and dnsmasq cannot serve DHCP.
 * - It is stopped by SIGTERM to nspawn (which powers the container off cleanly), never by
 *   signalling the processes inside; when its init exits, the kernel ends every process of the
 *   container's pid namespace, and the namespaces made inside go with them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readdir, readFile, readlink, rmdir, writeFile } from 'node:fs/promises';
import { shellFile } from '../host/shell-files';
import { LabError, processAlive, processCommandLine, runCommand, sleep, type CommandResult } from './exec';
import { readPid, tail } from './sshd';
import { requireProgram } from './tools';

/** systemd's default PATH: what a command run in the container gets. */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The cgroup (below each hierarchy's root) every lab container is started from. */
const CGROUP_PARENT = 'dhcp-agent-lab';

/** Files of a node's container, in the node's directory. */
export function containerFiles(nodeDir: string): { pidFile: string; console: string } {
  return { pidFile: `${nodeDir}/nspawn.pid`, console: `${nodeDir}/console.log` };
}

export interface ContainerSpec {
  /** Machine name and hostname: the node's namespace name, `<lab>-n<i>`. */
  readonly machine: string;
  readonly nodeDir: string;
  /** The node's disk (mounted). */
  readonly root: string;
  /** The node's network namespace (under /run/netns). */
  readonly netns: string;
}

/** Where this host's cgroup hierarchies that nspawn uses are: name=systemd and unified (cgroup v1 / hybrid) or the cgroup2 root. */
function cgroupRoots(): string[] {
  const v1 = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((d) => existsSync(`${d}/cgroup.procs`));
  return v1.length > 0 ? v1 : ['/sys/fs/cgroup'];
}

/** Moves itself into the cgroups named in `$1` (colon separated), then execs the rest (sh/enter-cgroups.sh). */
const ENTER_CGROUPS = shellFile('lab/sh/enter-cgroups.sh');

/** Boots the container (nspawn detaches from this process) and returns nspawn's pid. */
export async function startContainer(spec: ContainerSpec): Promise<number> {
  const nspawn = requireProgram('systemd-nspawn', 'systemd-container');
  const f = containerFiles(spec.nodeDir);
  const cgroups = cgroupRoots().map((r) => `${r}/${CGROUP_PARENT}/${spec.machine}`);
  const out = await open(f.console, 'a');
  try {
    await out.write(`--- boot ${new Date().toISOString()}\n`);
    const child = spawn(
      '/bin/sh',
      [
        '-c', ENTER_CGROUPS, 'sh', cgroups.join(':'),
        nspawn, '-q', '-b', '-D', spec.root, `-M${spec.machine}`, '--register=no', '--keep-unit',
        `--network-namespace-path=/run/netns/${spec.netns}`, '--capability=CAP_NET_ADMIN',
        '--resolv-conf=off', '--timezone=off', '--link-journal=no', '--console=read-only',
      ],
      {
        stdio: ['ignore', out.fd, out.fd],
        detached: true,
        env: { PATH: CONTAINER_PATH, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' },
      },
    );
    const pid = child.pid;
    if (pid === undefined) throw new LabError(`container ${spec.machine}: could not start systemd-nspawn`);
    child.unref();
    await writeFile(f.pidFile, `${pid}\n`);
    return pid;
  } finally {
    await out.close();
  }
}

/** nspawn's pid for a node, when it is running. */
export async function nspawnPid(nodeDir: string): Promise<number | undefined> {
  const pid = await readPid(containerFiles(nodeDir).pidFile);
  return pid !== undefined && (await isNspawn(pid)) ? pid : undefined;
}

async function isNspawn(pid: number): Promise<boolean> {
  return (await processAlive(pid)) && (await processCommandLine(pid)).includes('systemd-nspawn');
}

/** Every live process's pid and parent pid. */
export async function processTable(): Promise<Array<{ pid: number; ppid: number }>> {
  const out: Array<{ pid: number; ppid: number }> = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length > 2 && fields[0] !== 'Z') out.push({ pid: Number(e), ppid: Number(fields[1]) });
  }
  return out;
}

/** The host pid of the container's init (pid 1 in its pid namespace), below nspawn. */
export async function containerInitPid(nspawn: number): Promise<number | undefined> {
  const table = await processTable();
  const queue = [nspawn];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const { pid, ppid } of table) {
      if (ppid !== parent) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/);
      if (nspid && nspid.length > 1 && nspid[nspid.length - 1] === '1') return pid;
      queue.push(pid);
    }
  }
  return undefined;
}

/** Host pid of the process that has pid `nsPid` in the pid namespace of `initPid`. */
export async function hostPidInContainer(initPid: number, nsPid: number): Promise<number | undefined> {
  const ns = await readlink(`/proc/${initPid}/ns/pid`).catch(() => '');
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    if ((await readlink(`/proc/${e}/ns/pid`).catch(() => '')) !== ns) continue;
    const status = await readFile(`/proc/${e}/status`, 'utf8').catch(() => '');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/);
    if (nspid && Number(nspid[nspid.length - 1]) === nsPid) return Number(e);
  }
  return undefined;
}

/**
 * Runs `command` with /bin/sh in every namespace of the container (as a login there would,
 * as root, with the container's PATH). Resolves whatever the exit code.
 */
export function runInContainer(initPid: number, command: string, opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
  return runCommand('nsenter', ['-t', String(initPid), '-a', '/usr/bin/env', '-i', `PATH=${CONTAINER_PATH}`, '/bin/sh', '-c', command], opts);
}

/** What `systemctl is-system-running` settled on, and the failed units when not `running`. */
export interface BootOutcome {
  readonly state: string;
  readonly failedUnits: readonly string[];
  readonly initPid: number;
}

/**
 * Waits until the container's systemd has finished booting: `systemctl is-system-running`
 * says `running` (or `degraded`, with the failed units named).
 * @throws {LabError} when nspawn exits or the boot does not finish within `timeoutMs`.
 */
export async function waitForBoot(spec: ContainerSpec, nspawn: number, timeoutMs = 60_000): Promise<BootOutcome> {
  const deadline = Date.now() + timeoutMs;
  let said = '';
  while (Date.now() < deadline) {
    if (!(await isNspawn(nspawn))) {
      throw new LabError(`container ${spec.machine}: systemd-nspawn exited while booting: ${await tail(containerFiles(spec.nodeDir).console, 8)}`);
    }
    const init = await containerInitPid(nspawn);
    if (init !== undefined) {
      const left = Math.max(1000, deadline - Date.now());
      const r = await runInContainer(init, 'systemctl is-system-running --wait', { timeoutMs: left });
      said = (r.stdout + r.stderr).trim();
      const state = r.stdout.trim().split('\n').pop() ?? '';
      if (state === 'running' || state === 'degraded') {
        const failed = state === 'degraded' ? (await runInContainer(init, 'systemctl list-units --failed --plain --no-legend')).stdout : '';
        return { state, failedUnits: failed.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean), initPid: init };
      }
    }
    await sleep(50);
  }
  throw new LabError(`container ${spec.machine}: not booted after ${timeoutMs} ms (systemctl is-system-running: ${said || 'no answer'}): ${await tail(containerFiles(spec.nodeDir).console, 8)}`);
}

/**
 * Powers the container off: SIGTERM to nspawn, which has the container's systemd shut down;
 * after `graceMs` its init is killed (which ends the whole container). Resolves once nspawn
 * and every process of the container are gone.
 */
export async function stopContainer(nspawn: number, graceMs = 30_000): Promise<void> {
  if (!(await isNspawn(nspawn))) return;
  const init = await containerInitPid(nspawn);
  const members = init === undefined ? [] : await pidNamespaceMembers(init);
  signal(nspawn, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ((await isNspawn(nspawn)) && Date.now() < deadline) await sleep(25);
  if (await isNspawn(nspawn)) {
    if (init !== undefined) signal(init, 'SIGKILL');
    signal(nspawn, 'SIGKILL');
  }
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline) {
    const alive = await Promise.all([nspawn, ...members].map(processAlive));
    if (!alive.includes(true)) return;
    await sleep(25);
  }
  throw new LabError(`container of nspawn ${nspawn}: processes still alive 5 s after it was stopped`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** Host pids of every process in the pid namespace of `initPid`. */
export async function pidNamespaceMembers(initPid: number): Promise<number[]> {
  const ns = await readlink(`/proc/${initPid}/ns/pid`).catch(() => undefined);
  if (!ns) return [];
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (/^\d+$/.test(e) && (await readlink(`/proc/${e}/ns/pid`).catch(() => '')) === ns) out.push(Number(e));
  }
  return out;
}

/**
 * nspawn processes of lab `lab` found by their command line (`--network-namespace-path=
 * /run/netns/<lab>-n<i>`), for `labDown` after an interrupted run lost the pid files.
 */
export async function labNspawnPids(lab: string): Promise<number[]> {
  const marker = new RegExp(`--network-namespace-path=/run/netns/${lab}-n[0-9]+( |$)`);
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const cmd = await processCommandLine(Number(e));
    if (cmd.includes('systemd-nspawn') && marker.test(cmd)) out.push(Number(e));
  }
  return out;
}

/** Removes the (empty) cgroups lab `lab`'s containers were started from. */
export async function removeContainerCgroups(lab: string): Promise<void> {
  const re = new RegExp(`^${lab}-n[0-9]+$`);
  for (const root of cgroupRoots()) {
    const parent = `${root}/${CGROUP_PARENT}`;
    for (const e of await readdir(parent).catch(() => [] as string[])) {
      if (re.test(e)) await removeCgroupTree(`${parent}/${e}`);
    }
  }
}

async function removeCgroupTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(`${dir}/${e.name}`);
  await rmdir(dir).catch(() => undefined);
}
