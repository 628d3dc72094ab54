/**
 * Finding the programs the lab needs and checking it runs as root, with errors that say what
 * to install.
 */
import { accessSync, constants } from 'node:fs';

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
