/**
 * Allocation of a /24 per lab, safe between processes: a block is taken by creating the
 * directory `/run/dhcp-agent-lab/block-<n>` (mkdir is atomic), which names its owner. Blocks
 * already holding a root-namespace address are skipped too, whoever put it there.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { runCommand } from './exec';
import { BLOCK_COUNT, blockOfAddress, preferredBlock } from './naming';

const RESERVATIONS = '/run/dhcp-agent-lab';
/** A reservation whose lab never came up is taken over after this long. */
const STALE_MS = 120_000;

interface Owner {
  readonly name: string;
  readonly at: number;
}

/** Reserves a free block for lab `name` and returns its number. */
export async function reserveBlock(name: string): Promise<number> {
  await mkdir(RESERVATIONS, { recursive: true, mode: 0o755 });
  const inUse = await blocksWithAddresses();
  const start = preferredBlock(name);
  for (let k = 0; k < BLOCK_COUNT; k++) {
    const block = (start + k) % BLOCK_COUNT;
    if (inUse.has(block)) continue;
    if (await tryTake(block, name)) return block;
  }
  throw new Error('lab address block: every /24 of 198.18.0.0/15 is in use');
}

/** Gives back every block lab `name` holds. */
export async function releaseBlocks(name: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(RESERVATIONS);
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.startsWith('block-')) continue;
    const owner = await readOwner(`${RESERVATIONS}/${e}`);
    if (owner?.name === name) await rm(`${RESERVATIONS}/${e}`, { recursive: true, force: true });
  }
}

async function tryTake(block: number, name: string): Promise<boolean> {
  const dir = `${RESERVATIONS}/block-${block}`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      await mkdir(dir, { mode: 0o755 });
      const owner: Owner = { name, at: Date.now() };
      await writeFile(`${dir}/owner`, JSON.stringify(owner));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(dir);
    if (owner?.name === name) return true;
    if (!(await isStale(dir, owner))) return false;
    await rm(dir, { recursive: true, force: true });
  }
  return false;
}

async function isStale(dir: string, owner: Owner | undefined): Promise<boolean> {
  let madeAt: number;
  try {
    madeAt = owner?.at ?? (await stat(dir)).mtimeMs;
  } catch {
    return true;
  }
  if (Date.now() - madeAt < STALE_MS) return false;
  if (!owner) return true;
  const list = await runCommand('ip', ['netns', 'list']);
  return !list.stdout.split('\n').some((l) => l.startsWith(`${owner.name}-n`));
}

async function readOwner(dir: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await readFile(`${dir}/owner`, 'utf8')) as Owner;
    return typeof o.name === 'string' && typeof o.at === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

async function blocksWithAddresses(): Promise<Set<number>> {
  const out = await runCommand('ip', ['-4', '-o', 'addr', 'show']);
  const blocks = new Set<number>();
  for (const m of out.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)) {
    const b = blockOfAddress(m[1]);
    if (b !== undefined) blocks.add(b);
  }
  return blocks;
}
