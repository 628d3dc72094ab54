/**
 * One OpenSSH sshd per lab node, inside the node's network namespace. Started through
 * `nsenter --net=…` (not `ip netns exec`, which would give sshd a private mount namespace and
 * hide every namespace the agent creates over SSH from the rest of the machine). An isolated
 * node wants exactly that hiding, done on purpose: sshd gets a mount namespace of its own with
 * a private /run/netns (see mountns.ts).
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { fingerprintSha256 } from '../host/known-hosts';
import { LabError, mustRun, processAlive, sleep } from './exec';
import { ISOLATE_NETNS_SCRIPT } from './mountns';
import { requireProgram } from './tools';

/** Files of one node's sshd, all inside the node's directory. */
export function sshdFiles(nodeDir: string): {
  config: string;
  hostKey: string;
  pidFile: string;
  log: string;
  out: string;
  knownHosts: string;
} {
  return {
    config: `${nodeDir}/sshd_config`,
    hostKey: `${nodeDir}/ssh_host_ed25519_key`,
    pidFile: `${nodeDir}/sshd.pid`,
    log: `${nodeDir}/sshd.log`,
    out: `${nodeDir}/sshd.out`,
    knownHosts: `${nodeDir}/known_hosts`,
  };
}

/** Generates an ed25519 key pair without passphrase at `path` (and `path.pub`). */
export async function generateKey(path: string, comment: string): Promise<void> {
  const keygen = requireProgram('ssh-keygen', 'openssh-client');
  await mustRun('generate SSH key', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** Fingerprint (`SHA256:…`) and key line (`ssh-ed25519 AAAA…`) of a `.pub` file. */
export async function readPublicKey(pubPath: string): Promise<{ fingerprint: string; keyLine: string }> {
  const [type, b64] = (await readFile(pubPath, 'utf8')).trim().split(/\s+/);
  return { fingerprint: fingerprintSha256(Buffer.from(b64, 'base64')), keyLine: `${type} ${b64}` };
}

export interface SshdSpec {
  readonly netns: string;
  readonly nodeDir: string;
  readonly address: string;
  readonly authorizedKeysFile: string;
  /** Source name of the tmpfs for a private /run/netns; unset: sshd shares this mount namespace. */
  readonly isolatedNetnsTmpfs?: string;
}

/** An sshd_config for a lab node: only the lab key, on the node's address. */
export function sshdConfig(c: { title: string; address: string; hostKey: string; authorizedKeysFile: string; pidFile?: string }): string {
  return [
    `# sshd of dhcp-agent lab ${c.title}`,
    `ListenAddress ${c.address}`,
    'Port 22',
    `HostKey ${c.hostKey}`,
    ...(c.pidFile ? [`PidFile ${c.pidFile}`] : []),
    `AuthorizedKeysFile ${c.authorizedKeysFile}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The lab directory belongs to root and is shared by the users the tests log in as.
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/** Writes the node's sshd config and host key, starts sshd and waits until it accepts TCP. */
export async function startSshd(spec: SshdSpec): Promise<{ pid: number; hostKeySha256: string }> {
  const f = sshdFiles(spec.nodeDir);
  // sshd's privilege-separation directory; Debian creates it only through its init scripts.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  await generateKey(f.hostKey, `dhcp-agent-lab ${spec.netns}`);
  const { fingerprint, keyLine } = await readPublicKey(`${f.hostKey}.pub`);
  await writeFile(f.knownHosts, `${spec.address} ${keyLine}\n`, { mode: 0o644 });
  await writeFile(
    f.config,
    sshdConfig({ title: `node ${spec.netns}`, address: spec.address, hostKey: f.hostKey, pidFile: f.pidFile, authorizedKeysFile: spec.authorizedKeysFile }),
    { mode: 0o644 },
  );

  return { pid: await launchSshd(spec), hostKeySha256: fingerprint };
}

/**
 * Starts the node's sshd from the files {@link startSshd} wrote (same host key, same config),
 * as a node's boot does, and waits until it accepts TCP. Returns its pid.
 */
export async function launchSshd(spec: SshdSpec): Promise<number> {
  const f = sshdFiles(spec.nodeDir);
  const sshd = requireProgram('sshd', 'openssh-server');
  const nsenter = requireProgram('nsenter', 'util-linux');
  // A pid file left by an sshd that was killed would name a dead process.
  await rm(f.pidFile, { force: true });
  const out = await open(f.out, 'a');
  try {
    // sshd forks into the background and the started process exits; its output goes to a
    // file so no daemon ever holds this process's (or a test runner's) pipes.
    const sshdArgv = [sshd, '-f', f.config, '-E', f.log];
    const isolate = spec.isolatedNetnsTmpfs
      ? [requireProgram('unshare', 'util-linux'), '--mount', '--propagation', 'private', '/bin/sh', '-c', ISOLATE_NETNS_SCRIPT, 'sh', spec.isolatedNetnsTmpfs]
      : [];
    const child = spawn(nsenter, [`--net=/run/netns/${spec.netns}`, ...isolate, ...sshdArgv], {
      stdio: ['ignore', out.fd, out.fd],
      detached: true,
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new LabError(`start sshd in ${spec.netns}: exited ${code}: ${await tail(f.log)} ${await tail(f.out)}`);
  } finally {
    await out.close();
  }

  const deadline = Date.now() + 10_000;
  let pid: number | undefined;
  while (Date.now() < deadline) {
    pid ??= await readPid(f.pidFile);
    if (pid !== undefined) {
      if (!(await processAlive(pid))) throw new LabError(`sshd in ${spec.netns} died after start: ${await tail(f.log)}`);
      if (await acceptsTcp(spec.address, 22)) return pid;
    }
    await sleep(20);
  }
  throw new LabError(`sshd in ${spec.netns} does not accept connections on ${spec.address}:22 after 10 s: ${await tail(f.log)}`);
}

/** The pid in a pid file, or undefined. */
export async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function acceptsTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: 500 });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.once('timeout', () => done(false));
  });
}

/** Last lines of a log file, for error messages. */
export async function tail(path: string, lines = 5): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}
