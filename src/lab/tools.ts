/**
 * Finding the programs the lab needs and checking it runs as root, with errors that say what
 * to install.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

const DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Absolute path of an executable, or undefined. */
export function findProgram(name: string): string | undefined {
  for (const d of DIRS) {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return `${d}/${name}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Absolute path of an executable; throws naming the Debian package when it is missing. */
export function requireProgram(name: string, debianPackage: string): string {
  const p = findProgram(name);
  if (!p) throw new Error(`lab: ${name} not found in ${DIRS.join(':')}; install the Debian package ${debianPackage}`);
  return p;
}

/**
 * Why the lab cannot run here, or undefined when it can (Linux, root, the basic tools).
 * Synchronous, so test files can compute a `skip` reason at load time.
 */
export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `the lab needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, veth, sshd)';
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['nsenter', 'util-linux'],
    ['sshd', 'openssh-server'],
    ['ssh-keygen', 'openssh-client'],
  ] as const) {
    if (!findProgram(tool)) return `${tool} is missing (Debian package ${pkg})`;
  }
  return undefined;
}

/** The DHCP client: `udhcpc`, or busybox's applet of that name. */
export function dhcpClientCommand(): string[] {
  const udhcpc = findProgram('udhcpc');
  if (udhcpc) return [udhcpc];
  const busybox = findProgram('busybox');
  if (busybox) return [busybox, 'udhcpc'];
  throw new Error('lab VM DHCP: neither udhcpc nor busybox found; install the Debian package udhcpc or busybox');
}

let vlanReason: string | undefined | null = null;

/**
 * Why this kernel cannot make 802.1Q VLAN devices (`ip link add … type vlan`), or undefined
 * when it can. Some kernels (e.g. microVM kernels) are built without CONFIG_VLAN_8021Q; there
 * neither an agent's `eth1.<vlan>` nor a tagged lab VM can exist. Tried once, in a throwaway
 * network namespace; synchronous, so test files can compute a `skip` reason at load time.
 */
export function vlanUnavailableReason(): string | undefined {
  if (vlanReason !== null) return vlanReason;
  const unshare = findProgram('unshare');
  const ip = findProgram('ip');
  if (labUnavailableReason() || !unshare || !ip) {
    vlanReason = labUnavailableReason() ?? 'unshare (util-linux) or ip (iproute2) is missing';
    return vlanReason;
  }
  const probe = `"$1" link add dev vlprobe type veth peer name vlpeer && "$1" link add link vlprobe name vlprobe.2 type vlan id 2`;
  const r = spawnSync(unshare, ['--net', '/bin/sh', '-c', probe, 'sh', ip], { encoding: 'utf8', timeout: 10_000 });
  vlanReason =
    r.status === 0
      ? undefined
      : `this kernel cannot make 802.1Q VLAN devices (\`ip link add … type vlan\` says: ${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}); it needs CONFIG_VLAN_8021Q (module 8021q)`;
  return vlanReason;
}

/**
 * Why a systemd lab node (`labUp({ init: 'systemd' })`) cannot run here, or undefined when it
 * can: what {@link labUnavailableReason} needs, plus systemd-nspawn, debootstrap, overlayfs and
 * a Debian host (the root image is this machine's release, from its mirror). Synchronous, for
 * a test's `skip`.
 */
export function systemdNodeUnavailableReason(): string | undefined {
  const plain = labUnavailableReason();
  if (plain) return plain;
  for (const [tool, pkg] of [
    ['systemd-nspawn', 'systemd-container'],
    ['debootstrap', 'debootstrap'],
    ['flock', 'util-linux'],
    ['dpkg', 'dpkg'],
  ] as const) {
    if (!findProgram(tool)) return `${tool} is missing (Debian package ${pkg}; scripts/install-system-deps.sh installs it)`;
  }
  let filesystems = '';
  let osRelease = '';
  try {
    filesystems = readFileSync('/proc/filesystems', 'utf8');
    osRelease = readFileSync('/etc/os-release', 'utf8');
  } catch {
    // judged below
  }
  // overlay may be a module that `mount` loads on first use.
  const overlayModule = existsSync(`/lib/modules/${release()}/kernel/fs/overlayfs`);
  if (!/\toverlay$/m.test(filesystems) && !overlayModule) return 'this kernel has no overlayfs (neither in /proc/filesystems nor as a module), which the nodes\' disks are';
  if (!/^ID="?debian"?$/m.test(osRelease)) return 'the root image is Debian of this machine\'s own release, and /etc/os-release does not say ID=debian';
  return undefined;
}
