/**
 * Isolated lab nodes: each node's sshd runs in a mount namespace of its own, with a private
 * tmpfs on `/run/netns`, so two nodes can both create `qdhcp-<network-id>` (as two agents of
 * one network do on two real hosts). Those namespaces have no name outside the node; this
 * module enters a node and finds every process that belongs to one.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { killPids } from './exec';
import { shellFile } from '../host/shell-files';

/**
 * Runs in the node's new (private) mount namespace before exec'ing sshd, and gives it a
 * /run/netns of its own (see sh/isolate-netns.sh). Arguments: `$1` the tmpfs source name, then
 * the command to exec.
 */
export const ISOLATE_NETNS_SCRIPT = shellFile('lab/sh/isolate-netns.sh');

/**
 * pids of every process whose mount namespace has a tmpfs whose source name matches `source`
 * (see `isolatedNetnsTmpfs`), this process excepted. Each mount namespace is read once.
 */
export async function processesWithTmpfs(source: RegExp): Promise<number[]> {
  const verdict = new Map<string, Promise<boolean>>();
  const found: number[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e) || Number(e) === process.pid) return;
      let ns: string;
      try {
        ns = await readlink(`/proc/${e}/ns/mnt`);
      } catch {
        return; // gone, or a kernel thread
      }
      if (!verdict.has(ns)) verdict.set(ns, mountsTmpfs(Number(e), source));
      if (await verdict.get(ns)) found.push(Number(e));
    }),
  );
  return found.sort((a, b) => a - b);
}

async function mountsTmpfs(pid: number, source: RegExp): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return false;
  }
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, src] = line.slice(sep + 3).split(' ');
    if (fstype === 'tmpfs' && src !== undefined && source.test(src)) return true;
  }
  return false;
}

/**
 * Kills every process in (a copy of) an isolated node's mount namespace, repeating while new
 * ones show up (a process monitor may respawn dnsmasq between the scan and the kill). When the
 * last one is gone the mount namespace goes, and with it the tmpfs and the namespaces named
 * there.
 */
export async function killProcessesWithTmpfs(source: RegExp): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const pids = await processesWithTmpfs(source);
    if (pids.length === 0) return;
    await killPids(pids);
  }
}
