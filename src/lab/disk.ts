/**
 * A systemd lab node's disk: an overlay whose lower layer is the cached root image (shared,
 * never written) and whose upper layer is the node's own directory in the lab dir. Mounting it
 * takes milliseconds whatever the image's size (a copy of the ~200 MB image would take
 * seconds per node), the node's writes persist across `lab reboot` (the overlay stays mounted
 * and its upper layer is on disk), and `lab down` unmounts it and deletes the upper layer.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { LabError, mustRun, runCommand } from './exec';

/** Paths of a node's disk below its directory. */
export function diskPaths(nodeDir: string): { root: string; upper: string; work: string } {
  return { root: `${nodeDir}/root`, upper: `${nodeDir}/disk/upper`, work: `${nodeDir}/disk/work` };
}

/** Mounts the node's overlay on `<nodeDir>/root` (a no-op when it is mounted already). */
export async function mountDisk(nodeDir: string, imageRoot: string): Promise<string> {
  const p = diskPaths(nodeDir);
  if ((await mountsBelow(nodeDir)).includes(p.root)) return p.root;
  for (const d of [p.root, p.upper, p.work]) await mkdir(d, { recursive: true, mode: 0o755 });
  await mustRun(`node disk ${p.root}`, 'mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${imageRoot},upperdir=${p.upper},workdir=${p.work}`, p.root]);
  return p.root;
}

/** Mount points at or below `dir` in this mount namespace, deepest first. */
export async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const found = text
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined)
    // mountinfo writes space, tab, newline and backslash as octal escapes
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything at or below `dir` (node disks of a lab), so the directory can be
 * deleted without reaching into a mounted file system.
 * @throws {LabError} when something stays mounted.
 */
export async function unmountBelow(dir: string): Promise<void> {
  for (const m of await mountsBelow(dir)) await runCommand('umount', [m]);
  for (const m of await mountsBelow(dir)) await runCommand('umount', ['-l', m]);
  const left = await mountsBelow(dir);
  if (left.length > 0) throw new LabError(`cannot unmount ${left.join(', ')}; not deleting ${dir}`);
}
