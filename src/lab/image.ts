/**
 * The root file system image the systemd lab nodes boot: Debian of this machine's own release,
 * made by debootstrap from this machine's Debian mirror, with the lab's logins and without host
 * keys or a machine id (each node gets its own). Cached under /var/cache/dhcp-agent-lab/images/
 * in a directory named by a hash of everything that went into it; built once, under a lock, so
 * two labs coming up together build it once. It is built in `<name>.building` and renamed into
 * place when complete, so a half-built image is never used. Nodes only ever read it (each has
 * an overlay of its own, see disk.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { LabError, runCommand } from './exec';
import { mirrorFor, readAptSources } from './apt-sources';
import { requireProgram } from './tools';
import { PASSWORD_SUDO_USER, ROOT_USER, SUDOERS, SUDO_USER } from './users';
import { shellFile } from '../host/shell-files';

/** Where images are cached. */
export const IMAGE_CACHE_DIR = '/var/cache/dhcp-agent-lab/images';

/**
 * What goes into the image besides `--variant=minbase`: systemd as init, sshd, the agent's
 * prerequisites (see `src/agent/node.ts`: ip, iptables, dnsmasq, flock/setsid, base64/
 * sha256sum, cmp, awk, sed) and sudo for `become: 'sudo'`. No cron: on a systemd node the
 * agent's systemd path is what runs.
 */
export const IMAGE_PACKAGES: readonly string[] = [
  'systemd', 'systemd-sysv', 'dbus', 'iproute2', 'iptables', 'openssh-server', 'dnsmasq-base', 'dnsmasq-utils',
  'procps', 'sudo', 'util-linux', 'coreutils', 'diffutils', 'mawk', 'sed',
  // The metadata proxy a network with metadata runs (src/agent/metadata-proxy.ts).
  'haproxy',
];

/** Builds the image under the image lock; its arguments are in sh/build-image.sh. Prints `built` or `cached`. */
const BUILD_SCRIPT = shellFile('lab/sh/build-image.sh');

/** What identifies an image; its hash names the cache directory. */
export interface ImageRecipe {
  readonly suite: string;
  readonly arch: string;
  readonly mirror: string;
  readonly keyring?: string;
  readonly packages: readonly string[];
  /** The build script and the logins it creates. */
  readonly script: string;
}

export interface RootImage {
  /** The image's root file system (read only: nodes put an overlay on it). */
  readonly root: string;
  /** `<suite>-<arch>-<hash>`. */
  readonly name: string;
  /** Whether this call built it (false: it was in the cache). */
  readonly built: boolean;
  /** How long this call took (the build, or waiting for another process's build). */
  readonly ms: number;
}

/** The recipe for this machine: its Debian release and architecture, its apt sources' mirror. */
export async function imageRecipe(): Promise<ImageRecipe> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const field = (k: string): string | undefined => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1];
  const suite = field('VERSION_CODENAME');
  if (field('ID') !== 'debian' || !suite) {
    throw new LabError(`systemd lab node: the root image is Debian of this machine's release, but /etc/os-release says ID=${field('ID') ?? '?'} VERSION_CODENAME=${suite ?? '?'}; a Debian host is needed`);
  }
  const arch = (await runCommand('dpkg', ['--print-architecture'])).stdout.trim();
  if (!/^[a-z0-9]+$/.test(arch)) throw new LabError(`systemd lab node: dpkg --print-architecture gave ${JSON.stringify(arch)}`);
  const source = mirrorFor(await readAptSources(), suite);
  if (!source) throw new LabError(`systemd lab node: no apt source in /etc/apt/sources.list(.d) serves ${suite} main; the root image comes only from this machine's Debian mirror`);
  const keyring = source.signedBy && (await stat(source.signedBy).then(() => true, () => false)) ? source.signedBy : undefined;
  return { suite, arch, mirror: source.uri, ...(keyring ? { keyring } : {}), packages: IMAGE_PACKAGES, script: `${BUILD_SCRIPT}\n${ROOT_USER} ${SUDO_USER} ${PASSWORD_SUDO_USER}\n${SUDOERS}` };
}

/** `<suite>-<arch>-<first 16 hex digits of the recipe's sha256>`. */
export function imageName(recipe: ImageRecipe): string {
  const hash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
  return `${recipe.suite}-${recipe.arch}-${hash}`;
}

/**
 * The cached root image for this machine, built first when missing (about a minute; needs the
 * mirror). Concurrent callers, in any process, wait for one build.
 */
export async function ensureRootImage(cacheDir: string = IMAGE_CACHE_DIR): Promise<RootImage> {
  const t0 = Date.now();
  const recipe = await imageRecipe();
  const name = imageName(recipe);
  const final = `${cacheDir}/${name}`;
  if (await isDir(`${final}/root`)) return { root: `${final}/root`, name, built: false, ms: Date.now() - t0 };
  const debootstrap = requireProgram('debootstrap', 'debootstrap');
  requireProgram('systemd-nspawn', 'systemd-container');
  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  const flock = requireProgram('flock', 'util-linux');
  const r = await runCommand(
    flock,
    [`${cacheDir}/.${name}.lock`, '/bin/sh', '-c', BUILD_SCRIPT, 'sh', final, recipe.suite, recipe.arch, recipe.mirror, recipe.packages.join(','), recipe.keyring ?? '', ROOT_USER, SUDO_USER, PASSWORD_SUDO_USER],
    { timeoutMs: 30 * 60_000, input: SUDOERS, env: { ...process.env, PATH: `${debootstrap.replace(/\/[^/]+$/, '')}:/usr/sbin:/usr/bin:/sbin:/bin` } },
  );
  if (r.code !== 0) throw new LabError(`systemd lab node: building the root image ${name} from ${recipe.mirror} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return { root: `${final}/root`, name, built: r.stdout.trim() === 'built', ms: Date.now() - t0 };
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
