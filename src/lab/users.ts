/**
 * Non-root login users for `become: 'sudo'` tests, created when sudo is installed. They are
 * shared by every lab on the machine and left in place by `labDown` (another lab may be using
 * them); they have no password and no home of their own, and only lab sshds accept their key.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { runCommand, sleep } from './exec';
import { findProgram } from './tools';

/**
 * The lab's root login: uid 0 with /bin/sh as login shell. sshd runs every command through the
 * user's login shell, and Debian's bash then sources ~/.bashrc; on this project's build image
 * root's ~/.bashrc runs `pyenv init` (~80 ms per command), which would dominate every timing.
 * A lean root login measures the agent, not the image's shell start-up.
 */
export const ROOT_USER = 'dalabroot';

/** Logs in with the lab key; `sudo -n` works without password. */
export const SUDO_USER = 'dalab';
/** Logs in with the lab key; sudo asks for a password (so `sudo -n` refuses). */
export const PASSWORD_SUDO_USER = 'dalabpw';

const SUDOERS_FILE = '/etc/sudoers.d/dhcp-agent-lab';
export const SUDOERS = [
  '# Written by the dhcp-agent lab: test users for become: sudo.',
  `${SUDO_USER} ALL=(ALL) NOPASSWD: ALL`,
  `${PASSWORD_SUDO_USER} ALL=(ALL) ALL`,
  '',
].join('\n');

/** Creates the two users and their sudoers rules if sudo is installed; true when available. */
export async function ensureSudoUsers(): Promise<boolean> {
  if (!findProgram('sudo')) return false;
  for (const user of [SUDO_USER, PASSWORD_SUDO_USER]) await ensureUser(user);
  const current = await readFile(SUDOERS_FILE, 'utf8').catch(() => '');
  if (current !== SUDOERS) {
    const tmp = `${SUDOERS_FILE}.${process.pid}.tmp`;
    await writeFile(tmp, SUDOERS, { mode: 0o440 });
    await rename(tmp, SUDOERS_FILE);
  }
  return true;
}

/** Creates the lab's uid-0 login (see ROOT_USER); it has no password and only lab sshds accept its key. */
export async function ensureRootUser(): Promise<void> {
  await ensureUser(ROOT_USER, ['-o', '-u', '0', '-g', '0']);
}

async function ensureUser(user: string, extra: readonly string[] = []): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await userExists(user)) return;
    // `-p '*'`: no usable password, yet not locked (sshd with UsePAM no refuses locked accounts).
    const r = await runCommand('useradd', ['-M', '-d', '/', '-s', '/bin/sh', '-p', '*', ...extra, user]);
    if (r.code === 0) return;
    // Another lab may be adding it at the same time and holding the passwd lock.
    await sleep(100 + 100 * attempt);
  }
  if (!(await userExists(user))) throw new Error(`lab: cannot create the test user ${user} with useradd`);
}

async function userExists(user: string): Promise<boolean> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  return passwd.split('\n').some((l) => l.startsWith(`${user}:`));
}
