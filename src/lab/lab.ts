/**
 * The lab: real test hosts on this machine. Each node is a network namespace with its own
 * sshd, reached over a veth /30 from a per-lab /24 of 198.18.0.0/15, with an empty bridge for
 * DHCP networks; VMs are namespaces plugged into that bridge. Optionally the nodes get a
 * "physical" interface `eth1` on a lab switch (VMs can be plugged there too, VLAN-tagged), and
 * each node a private /run/netns of its own, so several nodes can serve the same network.
 * With `init: 'systemd'` each node is instead a container booted by systemd on a disk of its own
 * (systemd-node.ts), attached to the same network namespace.
 * Everything is named after the lab, so `labDown` can find and remove all of it, even after an
 * interrupted run.
 */
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { SshHostConfig } from '../host/ssh-config';
import { LabError, killPids, mustRun, processAlive, processCommandLine, runCommand, type CommandResult } from './exec';
import { containerInitPid, labNspawnPids, nspawnPid, removeContainerCgroups, runInContainer, stopContainer } from './container';
import { diskPaths, unmountBelow } from './disk';
import { IMAGE_CACHE_DIR, ensureRootImage, type RootImage } from './image';
import { killProcessesWithTmpfs } from './mountns';
import { releaseBlocks, reserveBlock } from './blocks';
import {
  MAX_NODES,
  blockPrefix,
  checkLabName,
  defaultLabDir,
  NODE_PHYSICAL_INTERFACE,
  SWITCH_BRIDGE,
  hostVeth,
  isolatedNetnsTmpfs,
  isolatedNetnsTmpfsPattern,
  labBridge,
  labNetnsPattern,
  nodeLinkAddresses,
  nodeNetns,
  nodeVeth,
  switchNetns,
  switchNodePort,
  vmNodeVeth,
} from './naming';
import { acceptsTcp, generateKey, launchSshd, readPid, readPublicKey, sshdFiles, startSshd } from './sshd';
import { SYSTEMD_NODE_STATE_PATH, bootNode, powerOffNode, prepareDisk, runningInit, type SystemdNodeSpec } from './systemd-node';
import { labUnavailableReason, systemdNodeUnavailableReason } from './tools';
import type { LabFile, LabNode, LabSwitch } from './types';
import { PASSWORD_SUDO_USER, ROOT_USER, SUDO_USER, ensureRootUser, ensureSudoUsers } from './users';
import { LabVm, checkVmInput, checkVmVlan, createVm } from './vm';

export interface LabUpOptions {
  /** Short lab name, `[a-z0-9]{1,8}`; prefixes every namespace and device of the lab. */
  readonly name: string;
  /** Number of nodes. @default 1 */
  readonly nodes?: number;
  /** State directory. @default /var/lib/dhcp-agent-lab/<name> */
  readonly dir?: string;
  /**
   * Give each node its own mount namespace with a private /run/netns, as separate machines
   * have: two nodes can then both create `qdhcp-<network-id>` (two agents serving one network).
   * The namespaces a node makes are invisible outside it; look at them with {@link Lab.inNode}.
   * @default false (nodes share this machine's /run/netns; what they make shows up here), but
   *   always true for systemd nodes, whose /run is the container's own
   */
  readonly isolatedNetns?: boolean;
  /**
   * Add a lab switch (a bridge in namespace `<lab>-s0`) and give each node a "physical"
   * interface `eth1` plugged into it. The switch does no VLAN filtering, so VLAN sub-interfaces
   * (`eth1.120`) on the nodes and tagged VMs (`addVm({ onSwitch: true, vlanId: 120 })`) meet on
   * it as on a trunk.
   * @default false
   */
  readonly switch?: boolean;
  /**
   * What each node runs. `plain`: sshd in the node's namespace (fast, shares this machine's
   * file system). `systemd`: a container booted by systemd-nspawn from a cached Debian root
   * image, on a disk of its own, with sshd as its `ssh.service`; it can be rebooted
   * ({@link Lab.reboot}). Needs the Debian packages systemd-container and debootstrap; the first
   * lab on a machine builds the image (about a minute, from the machine's Debian mirror).
   * @default 'plain'
   */
  readonly init?: 'plain' | 'systemd';
}

/** How long a systemd node took to come back, from {@link Lab.reboot} or {@link Lab.powerOn}. */
export interface RebootReport {
  readonly node: string;
  /** From the power-off request until the container was gone (0 for powerOn). */
  readonly powerOffMs: number;
  /** From the boot until systemd was up and sshd answered. */
  readonly bootMs: number;
  readonly totalMs: number;
  /** `running`, or `degraded` (see failedUnits). */
  readonly state: string;
  readonly failedUnits: readonly string[];
}

/** How a test logs in to a node, see {@link Lab.sshHostConfig}. */
export interface LabLoginOptions {
  /** @default the node's user (root) */
  readonly user?: string;
  readonly become?: 'sudo';
  /** How the host key is checked. @default 'pin' */
  readonly trust?: 'pin' | 'known-hosts' | 'insecure';
}

/** A running lab (from {@link labUp} or {@link loadLab}). */
export class Lab {
  private nextVm = 0;

  constructor(
    private file: LabFile,
    /** The root image as {@link labUp} found or built it (systemd labs made by this process). */
    readonly image?: RootImage,
  ) {}

  get name(): string {
    return this.file.name;
  }
  get dir(): string {
    return this.file.dir;
  }
  /** The lab's /24. */
  get subnet(): string | undefined {
    return this.file.subnet;
  }
  get nodes(): readonly LabNode[] {
    return this.file.nodes;
  }
  /** Whether each node has a private /run/netns. */
  get isolatedNetns(): boolean {
    return this.file.isolatedNetns === true;
  }
  /** The lab switch, when the lab has one. */
  get switch(): LabSwitch | undefined {
    return this.file.switch;
  }
  /** What the nodes run. */
  get init(): 'plain' | 'systemd' {
    return this.file.init ?? 'plain';
  }

  /** A node by index, name (`n0`) or namespace. */
  node(ref: number | string = 0): LabNode {
    const n = this.file.nodes.find((x) => x.index === ref || x.name === ref || x.netns === ref);
    if (!n) {
      throw new RangeError(`lab ${this.name}: no node ${JSON.stringify(ref)}; nodes are ${this.file.nodes.map((x) => x.name).join(', ')}`);
    }
    return n;
  }

  /** An `SshHostConfig` for a node, ready for `new SshHost(…)`. */
  sshHostConfig(ref: number | string = 0, opts: LabLoginOptions = {}): SshHostConfig {
    const n = this.node(ref);
    const trust = opts.trust ?? 'pin';
    return {
      host: n.address,
      port: n.port,
      user: opts.user ?? n.user,
      privateKeyPath: n.privateKeyPath,
      ...(trust === 'pin' ? { hostKeySha256: n.hostKeySha256 } : trust === 'known-hosts' ? { knownHostsPath: n.knownHostsPath } : { insecureIgnoreHostKey: true }),
      ...(opts.become ? { become: opts.become } : {}),
    };
  }

  /**
   * Creates a VM (`<lab>-v<k>`, its `eth0` carrying `mac`) plugged into a node's bridge, or
   * with `onSwitch` into the lab switch. With `vlanId` its DHCP client runs on `eth0.<vlanId>`,
   * so its frames carry that VLAN tag.
   */
  async addVm(opts: { node?: LabNode | number | string; name: string; mac: string; onSwitch?: boolean; vlanId?: number }): Promise<LabVm> {
    const mac = checkVmInput(opts.name, opts.mac);
    checkVmVlan(opts.vlanId);
    let at: { node: LabNode } | { switch: LabSwitch };
    if (opts.onSwitch) {
      if (opts.node !== undefined) throw new RangeError(`VM ${opts.name}: got both node and onSwitch; a VM is plugged into a node's bridge or into the switch`);
      if (!this.file.switch) throw new LabError(`VM ${opts.name}: lab ${this.name} has no switch (create it with labUp({ switch: true }) or \`lab up --switch\`)`);
      at = { switch: this.file.switch };
    } else {
      at = { node: typeof opts.node === 'object' ? this.node(opts.node.index) : this.node(opts.node ?? 0) };
    }
    const index = await this.allocateVmIndex();
    return createVm(this.name, this.dir, at, index, opts.name, mac, opts.vlanId);
  }

  /**
   * Runs `command` with /bin/sh inside a node: in its network namespace and its mount
   * namespace (where an isolated node's private /run/netns is), the way a command over SSH
   * runs there, as root. On a systemd node: in every namespace of its container, with the
   * container's PATH. Resolves with the outcome whatever the exit code.
   * @throws {LabError} when the node's sshd, whose namespaces are entered, is not running (a
   *   systemd node: when it is powered off).
   */
  async inNode(ref: LabNode | number | string, command: string, opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const n = typeof ref === 'object' ? this.node(ref.index) : this.node(ref);
    if (n.init === 'systemd') return runInContainer(await runningInit(n.dir, n.netns), command, opts);
    if (!(await isSshd(n.sshdPid))) {
      throw new LabError(`lab ${this.name} node ${n.name}: its sshd (pid ${n.sshdPid}) is not running, so there are no namespaces to enter`);
    }
    return runCommand('nsenter', ['--target', String(n.sshdPid), '--mount', '--net', '/bin/sh', '-c', command], opts);
  }

  /**
   * Takes a node down. A plain node goes down the way a crash does: its sshd ends, and so does
   * every process of an isolated node (dnsmasq, the process monitor; the namespaces it made go
   * with its mount namespace, as at a reboot) or, on a shared node, every process in its network
   * namespace. A systemd node is powered off: SIGTERM to its nspawn, so the container's systemd
   * shuts down; every process of the container ends, the namespaces made inside go with them,
   * and the devices it made in the node's namespace are deleted (a no-op when it is off).
   * Connections to it are then refused. Its files (a systemd node: its disk) stay. With
   * `link: 'down'` its link to this machine goes down as well (the node's end), so connections
   * get no answer at all.
   */
  async powerOff(ref: LabNode | number | string, opts: { link?: 'up' | 'down' } = {}): Promise<void> {
    const n = typeof ref === 'object' ? this.node(ref.index) : this.node(ref);
    if (n.init === 'systemd') {
      await powerOffNode(systemdNodeSpec(this.file, n));
    } else {
      await killPids([n.sshdPid]);
      if (n.isolatedNetns) {
        await killProcessesWithTmpfs(new RegExp(`^${isolatedNetnsTmpfs(this.name, n.index)}$`));
      } else {
        const r = await runCommand('ip', ['netns', 'pids', n.netns]);
        await killPids(r.stdout.split('\n').map(Number).filter((p) => p > 1));
      }
    }
    if (opts.link === 'down') await this.setLink(n.index, 'down');
  }

  /** Takes a node's link to this machine (the node's end of it) up or down. */
  async setLink(ref: number | string, state: 'up' | 'down'): Promise<void> {
    const n = this.node(ref);
    await mustRun(`node ${n.name}: link ${state}`, 'ip', ['-n', n.netns, 'link', 'set', nodeVeth(this.name, n.index), state]);
  }

  /**
   * Boots a node taken down by {@link powerOff}: link up, then a plain node's sshd is started
   * again (same host key and config; an isolated node gets a fresh private /run/netns, as after
   * a reboot), a systemd node's container boots on its disk. Resolves when sshd answers (and a
   * systemd node's `systemctl is-system-running` says `running` or `degraded`).
   * @throws {LabError} when the node is running.
   */
  async powerOn(ref: LabNode | number | string): Promise<RebootReport> {
    const n = typeof ref === 'object' ? this.node(ref.index) : this.node(ref);
    const t0 = Date.now();
    if (n.init === 'systemd') {
      if (await nspawnPid(n.dir)) throw new LabError(`lab ${this.name} node ${n.name}: already running (nspawn pid ${await nspawnPid(n.dir)})`);
      await this.setLink(n.index, 'up');
      const boot = await bootNode(systemdNodeSpec(this.file, n));
      await this.recordBoot(n, { sshdPid: boot.sshdPid, nspawnPid: boot.nspawnPid });
      return { node: n.name, powerOffMs: 0, bootMs: boot.ms, totalMs: Date.now() - t0, state: boot.state, failedUnits: boot.failedUnits };
    }
    if (await isSshd(n.sshdPid)) throw new LabError(`lab ${this.name} node ${n.name}: already running (sshd pid ${n.sshdPid})`);
    await this.setLink(n.index, 'up');
    const pid = await launchSshd({
      netns: n.netns,
      nodeDir: n.dir,
      address: n.address,
      authorizedKeysFile: `${this.dir}/authorized_keys`,
      ...(n.isolatedNetns ? { isolatedNetnsTmpfs: isolatedNetnsTmpfs(this.name, n.index) } : {}),
    });
    await this.recordBoot(n, { sshdPid: pid });
    const ms = Date.now() - t0;
    return { node: n.name, powerOffMs: 0, bootMs: ms, totalMs: ms, state: 'running', failedUnits: [] };
  }

  /**
   * Reboots a node: {@link powerOff}, then {@link powerOn}. A systemd node comes back on the
   * same disk in the same network namespace with nothing else of its previous boot.
   */
  async reboot(ref: LabNode | number | string = 0): Promise<RebootReport> {
    const t0 = Date.now();
    await this.powerOff(ref);
    const powerOffMs = Date.now() - t0;
    const r = await this.powerOn(ref);
    return { ...r, powerOffMs, totalMs: Date.now() - t0 };
  }

  /** Deletes the lab (same as {@link labDown}). */
  down(): Promise<void> {
    return labDown(this.name, this.dir);
  }

  /** A systemd node's current nspawn pid and the host pid of its systemd; undefined when powered off. */
  async containerPids(ref: LabNode | number | string = 0): Promise<{ nspawn: number; init: number } | undefined> {
    const n = this.systemdNode(ref, 'a container');
    const nspawn = await nspawnPid(n.dir);
    const init = nspawn === undefined ? undefined : await containerInitPid(nspawn);
    return nspawn !== undefined && init !== undefined ? { nspawn, init } : undefined;
  }

  private systemdNode(ref: LabNode | number | string, what: string): LabNode {
    const n = typeof ref === 'object' ? this.node(ref.index) : this.node(ref);
    if (n.init !== 'systemd') throw new LabError(`lab ${this.name} node ${n.name}: only a systemd node has ${what} (labUp({ init: 'systemd' }) or \`lab up --init systemd\`)`);
    return n;
  }

  /** Keeps lab.json's pids current, for other processes that load the lab. */
  private async recordBoot(n: LabNode, pids: Pick<LabNode, 'sshdPid' | 'nspawnPid'>): Promise<void> {
    const nodes = this.file.nodes.map((x) => (x.index === n.index ? { ...x, ...pids } : x));
    this.file = { ...this.file, nodes };
    await writeLabFile(this.file);
  }

  /** Takes the lowest free VM number; `mkdir` makes this safe between processes. */
  private async allocateVmIndex(): Promise<number> {
    await mkdir(`${this.dir}/vms`, { recursive: true, mode: 0o755 });
    const existing = new Set(await listNetns());
    for (let k = this.nextVm; k < 10_000; k++) {
      if (existing.has(`${this.name}-v${k}`)) continue;
      try {
        await mkdir(`${this.dir}/vms/v${k}`, { mode: 0o755 });
        this.nextVm = k + 1;
        return k;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    throw new LabError(`lab ${this.name}: no free VM number`);
  }
}

/**
 * Creates lab `name` with `nodes` nodes, after removing whatever an earlier run of the same
 * name left behind. On failure everything created so far is removed again.
 */
export async function labUp(opts: LabUpOptions): Promise<Lab> {
  const { name } = opts;
  checkLabName(name);
  const count = opts.nodes ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new RangeError(`lab nodes: got ${count}; a whole number 1..${MAX_NODES} is allowed`);
  }
  const init = opts.init ?? 'plain';
  if (init !== 'plain' && init !== 'systemd') throw new RangeError(`lab init: got ${JSON.stringify(init)}; 'plain' or 'systemd' is allowed`);
  const dir = opts.dir ?? defaultLabDir(name);
  const why = init === 'systemd' ? systemdNodeUnavailableReason() : labUnavailableReason();
  if (why) throw new LabError(`lab up ${name}: ${why}`);
  // Before anything of the lab exists: the first build takes a while.
  const image = init === 'systemd' ? await ensureRootImage() : undefined;

  await labDown(name, dir);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  // Non-root test users read authorized_keys through this directory.
  await chmod(dir, 0o755);
  const createdAt = new Date().toISOString();
  // A systemd node's /run (and /run/netns) is the container's own.
  const isolatedNetns = opts.isolatedNetns === true || init === 'systemd';
  const sw: LabSwitch | undefined = opts.switch ? { netns: switchNetns(name), bridge: SWITCH_BRIDGE } : undefined;
  const flags = { ...(isolatedNetns ? { isolatedNetns } : {}), ...(sw ? { switch: sw } : {}), ...(image ? { init: 'systemd' as const } : {}) };
  await writeLabFile({ version: 1, name, dir, state: 'creating', createdAt, nodes: [], ...flags });
  try {
    const block = await reserveBlock(name);
    const keyPath = `${dir}/id_ed25519`;
    await generateKey(keyPath, `dhcp-agent-lab ${name}`);
    const { keyLine } = await readPublicKey(`${keyPath}.pub`);
    const authorizedKeys = `${keyLine} dhcp-agent-lab ${name}\n`;
    await writeFile(`${dir}/authorized_keys`, authorizedKeys, { mode: 0o644 });
    // A systemd node has these users in its image; a plain node logs in to this machine's.
    if (!image) await ensureRootUser();
    const sudo = image ? true : await ensureSudoUsers();
    // One at a time: the first `ip netns add` on a machine mounts /run/netns, and two doing
    // that at once can fail.
    for (let i = 0; i < count; i++) await mustRun(`node n${i}: create namespace`, 'ip', ['netns', 'add', nodeNetns(name, i)]);
    if (sw) await createSwitch(sw);
    const nodes = await Promise.all(
      Array.from({ length: count }, (_, i) => setUpNode({ lab: name, dir, block, index: i, privateKeyPath: keyPath, sudo, isolatedNetns, sw, image, authorizedKeys })),
    );
    const file: LabFile = { version: 1, name, dir, state: 'up', subnet: `${blockPrefix(block)}.0/24`, createdAt, nodes, ...flags };
    await writeLabFile(file);
    return new Lab(file, image);
  } catch (err) {
    await labDown(name, dir).catch(() => undefined);
    throw err;
  }
}

async function createSwitch(sw: LabSwitch): Promise<void> {
  const step = (what: string): string => `switch ${sw.netns}: ${what}`;
  await mustRun(step('create namespace'), 'ip', ['netns', 'add', sw.netns]);
  await mustRun(step('loopback up'), 'ip', ['-n', sw.netns, 'link', 'set', 'lo', 'up']);
  await mustRun(step('create bridge'), 'ip', ['-n', sw.netns, 'link', 'add', sw.bridge, 'type', 'bridge', 'forward_delay', '0']);
  await mustRun(step('bridge up'), 'ip', ['-n', sw.netns, 'link', 'set', sw.bridge, 'up']);
}

interface NodeSetup {
  readonly lab: string;
  readonly dir: string;
  readonly block: number;
  readonly index: number;
  readonly privateKeyPath: string;
  readonly sudo: boolean;
  readonly isolatedNetns: boolean;
  readonly sw: LabSwitch | undefined;
  /** Set for a systemd node. */
  readonly image: RootImage | undefined;
  readonly authorizedKeys: string;
}

async function setUpNode(p: NodeSetup): Promise<LabNode> {
  const i = p.index;
  const netns = nodeNetns(p.lab, i);
  const step = (what: string): string => `node n${i}: ${what}`;
  const addr = nodeLinkAddresses(p.block, i);
  const nodeDir = `${p.dir}/n${i}`;
  await mkdir(nodeDir, { recursive: true, mode: 0o755 });
  const hv = hostVeth(p.lab, i);
  const nv = nodeVeth(p.lab, i);
  const bridge = labBridge(p.lab);
  await mustRun(step('loopback up'), 'ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await mustRun(step('create veth'), 'ip', ['link', 'add', hv, 'type', 'veth', 'peer', 'name', nv, 'netns', netns]);
  await mustRun(step('host address'), 'ip', ['addr', 'add', `${addr.host}/${addr.prefixLength}`, 'dev', hv]);
  await mustRun(step('host link up'), 'ip', ['link', 'set', hv, 'up']);
  await mustRun(step('node address'), 'ip', ['-n', netns, 'addr', 'add', `${addr.node}/${addr.prefixLength}`, 'dev', nv]);
  await mustRun(step('node link up'), 'ip', ['-n', netns, 'link', 'set', nv, 'up']);
  await mustRun(step('create bridge'), 'ip', ['-n', netns, 'link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0']);
  await mustRun(step('bridge up'), 'ip', ['-n', netns, 'link', 'set', bridge, 'up']);
  if (p.sw) {
    const port = switchNodePort(p.lab, i);
    await mustRun(step(`create ${NODE_PHYSICAL_INTERFACE}`), 'ip', [
      'link', 'add', 'name', port, 'netns', p.sw.netns, 'type', 'veth',
      'peer', 'name', NODE_PHYSICAL_INTERFACE, 'netns', netns,
    ]);
    await mustRun(step(`plug ${NODE_PHYSICAL_INTERFACE} into the switch`), 'ip', ['-n', p.sw.netns, 'link', 'set', port, 'master', p.sw.bridge, 'up']);
    await mustRun(step(`${NODE_PHYSICAL_INTERFACE} up`), 'ip', ['-n', netns, 'link', 'set', NODE_PHYSICAL_INTERFACE, 'up']);
  }
  const common = {
    name: `n${i}`,
    index: i,
    netns,
    address: addr.node,
    hostAddress: addr.host,
    port: 22,
    user: ROOT_USER,
    privateKeyPath: p.privateKeyPath,
    bridge,
    dir: nodeDir,
    ...(p.sudo ? { sudoUser: SUDO_USER, passwordSudoUser: PASSWORD_SUDO_USER } : {}),
    ...(p.sw ? { physicalInterface: NODE_PHYSICAL_INTERFACE } : {}),
  };
  if (p.image) {
    const node: LabNode = { ...common, hostKeySha256: '', knownHostsPath: '', statePath: SYSTEMD_NODE_STATE_PATH, sshdPid: 0, isolatedNetns: true, init: 'systemd', image: p.image.name };
    const spec = systemdNodeSpec({ name: p.lab, ...(p.sw ? { switch: p.sw } : {}) }, node);
    const { hostKeySha256, knownHostsPath } = await prepareDisk(spec, p.authorizedKeys);
    const boot = await bootNode(spec);
    if (boot.failedUnits.length > 0) throw new LabError(`${step('boot')}: systemd is ${boot.state}; failed units: ${boot.failedUnits.join(', ')}`);
    return { ...node, hostKeySha256, knownHostsPath, sshdPid: boot.sshdPid, nspawnPid: boot.nspawnPid, rootDir: spec.root };
  }
  const statePath = `${nodeDir}/agent-state`;
  await mkdir(statePath, { recursive: true, mode: 0o755 });
  const sshd = await startSshd({
    netns,
    nodeDir,
    address: addr.node,
    authorizedKeysFile: `${p.dir}/authorized_keys`,
    ...(p.isolatedNetns ? { isolatedNetnsTmpfs: isolatedNetnsTmpfs(p.lab, i) } : {}),
  });
  return {
    ...common,
    hostKeySha256: sshd.hostKeySha256,
    knownHostsPath: sshdFiles(nodeDir).knownHosts,
    statePath,
    sshdPid: sshd.pid,
    ...(p.isolatedNetns ? { isolatedNetns: true } : {}),
  };
}

/** How to boot and power off systemd node `n` of a lab. */
function systemdNodeSpec(lab: Pick<LabFile, 'name' | 'switch'>, n: LabNode): SystemdNodeSpec {
  const own = new Set([nodeVeth(lab.name, n.index), labBridge(lab.name), ...(lab.switch ? [NODE_PHYSICAL_INTERFACE] : [])]);
  const vmPort = new RegExp(`^${vmNodeVeth(lab.name, 0).replace(/0$/, '')}[0-9]+$`);
  return {
    machine: n.netns,
    nodeDir: n.dir,
    root: diskPaths(n.dir).root,
    netns: n.netns,
    address: n.address,
    imageRoot: `${IMAGE_CACHE_DIR}/${n.image}/root`,
    keepDevices: (dev) => own.has(dev) || vmPort.test(dev),
  };
}

/** The lab `name` that an earlier `labUp` (maybe in another process) created. */
export async function loadLab(name: string, dir: string = defaultLabDir(name)): Promise<Lab> {
  checkLabName(name);
  let file: LabFile;
  try {
    file = JSON.parse(await readFile(`${dir}/lab.json`, 'utf8')) as LabFile;
  } catch (err) {
    throw new LabError(`lab ${name} is not up: cannot read ${dir}/lab.json (${(err as Error).message})`);
  }
  if (file.name !== name) throw new LabError(`${dir}/lab.json belongs to lab ${file.name}, not ${name}`);
  if (file.state !== 'up') throw new LabError(`lab ${name} is still being created, or its creation was interrupted (run labDown)`);
  return new Lab(file);
}

/** What is left of a lab on this machine. */
export interface LabStatus {
  readonly name: string;
  readonly dir: string;
  readonly state: LabFile['state'] | 'absent';
  readonly subnet?: string;
  readonly isolatedNetns?: boolean;
  /** The switch's namespace, when the lab has a switch. */
  readonly switch?: string;
  readonly netns: readonly string[];
  readonly devices: readonly string[];
  readonly nodes: ReadonlyArray<{ name: string; address: string; sshdRunning: boolean; init?: 'systemd'; container?: NodeContainerStatus }>;
}

/** A systemd node's container as `labStatus` sees it. */
export interface NodeContainerStatus {
  /** nspawn's pid, when running. */
  readonly nspawnPid?: number;
  /** `systemctl is-system-running` inside (`running`, `degraded`, …), or `off`. */
  readonly state: string;
  readonly rootDir: string;
}

export async function labStatus(name: string, dir: string = defaultLabDir(name)): Promise<LabStatus> {
  checkLabName(name);
  const file = await readFile(`${dir}/lab.json`, 'utf8')
    .then((t) => JSON.parse(t) as LabFile)
    .catch(() => undefined);
  const pattern = labNetnsPattern(name);
  const nodes = await Promise.all(
    (file?.nodes ?? []).map(async (n) => {
      if (n.init !== 'systemd') return { name: n.name, address: n.address, sshdRunning: await isSshd(n.sshdPid) };
      const container = await containerStatus(n);
      return { name: n.name, address: n.address, sshdRunning: await acceptsTcp(n.address, n.port), init: 'systemd' as const, container };
    }),
  );
  return {
    name,
    dir,
    state: file?.state ?? 'absent',
    subnet: file?.subnet,
    ...(file?.isolatedNetns ? { isolatedNetns: true } : {}),
    ...(file?.switch ? { switch: file.switch.netns } : {}),
    netns: (await listNetns()).filter((n) => pattern.test(n)),
    devices: await rootDevicesOf(name),
    nodes,
  };
}

/**
 * Removes lab `name`: powers off its systemd nodes (SIGTERM to each nspawn) and unmounts their
 * disks, stops its sshds (by pid), kills every process in its namespaces and in
 * namespaces wired to its nodes (what an agent created there, e.g. `qdhcp-…` with its
 * dnsmasq), and every process left in an isolated node's mount namespace (whose namespaces
 * have no name here; they go with the last of those processes, the private /run/netns too),
 * deletes the namespaces and the lab's root-namespace devices, frees its address block and
 * deletes its state directory. Safe to call when nothing (or only part) is there.
 */
export async function labDown(name: string, dir: string = defaultLabDir(name)): Promise<void> {
  checkLabName(name);
  const pattern = labNetnsPattern(name);

  // systemd nodes first: their processes are in the nodes' namespaces too, and are ended by
  // powering the containers off, never by signalling them.
  await Promise.all((await labNspawnPids(name)).map((pid) => stopContainer(pid)));
  await removeContainerCgroups(name);
  await unmountBelow(dir);

  const sshdPids: number[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!/^n[0-9]+$/.test(entry)) continue;
    const pid = await readPid(sshdFiles(`${dir}/${entry}`).pidFile);
    if (pid !== undefined && (await isSshd(pid))) sshdPids.push(pid);
  }
  await killPids(sshdPids);
  // Whether or not lab.json says the nodes were isolated: an interrupted run may have lost it.
  await killProcessesWithTmpfs(isolatedNetnsTmpfsPattern(name));

  const mine = (await listNetns()).filter((n) => pattern.test(n));
  const attached = await namespacesWiredTo(mine.filter((n) => n.startsWith(`${name}-n`)), new Set(mine));
  const doomed = [...mine, ...attached];
  const pids = await Promise.all(doomed.map(async (ns) => (await runCommand('ip', ['netns', 'pids', ns])).stdout.split('\n').map(Number)));
  await killPids(pids.flat().filter((p) => p > 1));
  // Root-side veth ends first: deleting them removes their peers at once, whereas a deleted
  // namespace takes its devices down asynchronously.
  for (const dev of await rootDevicesOf(name)) await runCommand('ip', ['link', 'del', dev]);
  for (const ns of doomed) await runCommand('ip', ['netns', 'del', ns]);

  await releaseBlocks(name);
  const isLabDir = dir === defaultLabDir(name) || (await readFile(`${dir}/lab.json`).then(() => true, () => false));
  if (isLabDir) await rm(dir, { recursive: true, force: true });
}

async function containerStatus(n: LabNode): Promise<NodeContainerStatus> {
  const rootDir = diskPaths(n.dir).root;
  const pid = await nspawnPid(n.dir);
  const init = pid === undefined ? undefined : await containerInitPid(pid);
  if (pid === undefined || init === undefined) return { state: 'off', rootDir };
  const r = await runInContainer(init, 'systemctl is-system-running', { timeoutMs: 5000 });
  return { nspawnPid: pid, state: r.stdout.trim() || 'unknown', rootDir };
}

/** Named namespaces with a veth whose peer is in one of `nodes` (and not in `exclude`). */
async function namespacesWiredTo(nodes: readonly string[], exclude: ReadonlySet<string>): Promise<string[]> {
  const found = new Set<string>();
  for (const ns of nodes) {
    const links = await runCommand('ip', ['-n', ns, '-j', 'link', 'show']);
    const ids = new Set<number>();
    try {
      for (const l of JSON.parse(links.stdout || '[]') as Array<{ link_netnsid?: number }>) {
        if (typeof l.link_netnsid === 'number') ids.add(l.link_netnsid);
      }
    } catch {
      continue;
    }
    const list = await runCommand('ip', ['-n', ns, 'netns', 'list-id']);
    for (const m of list.stdout.matchAll(/nsid (\d+) \(iproute2 netns name: ([^)\s]+)\)/g)) {
      if (ids.has(Number(m[1])) && !exclude.has(m[2])) found.add(m[2]);
    }
  }
  return [...found];
}

async function listNetns(): Promise<string[]> {
  const r = await runCommand('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n !== '');
}

async function rootDevicesOf(name: string): Promise<string[]> {
  const r = await runCommand('ip', ['-o', 'link', 'show']);
  return r.stdout
    .split('\n')
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1])
    .filter((d): d is string => d !== undefined && d.startsWith(`${name}-`));
}

async function isSshd(pid: number): Promise<boolean> {
  return (await processAlive(pid)) && (await processCommandLine(pid)).includes('sshd');
}

async function writeLabFile(file: LabFile): Promise<void> {
  const path = `${file.dir}/lab.json`;
  await writeFile(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n', { mode: 0o644 });
  await rename(`${path}.tmp`, path);
}
