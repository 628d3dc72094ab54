/** Test helpers that look at a lab node from outside (the lab shares this machine's filesystem and /run/netns). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { ExecResult, Host, RunOptions, WriteFileOptions, TimeoutOptions } from '../../src/host/types';

/** A Host that records every script it runs (to count round trips and prove nothing ran). */
export class RecordingHost implements Host {
  readonly scripts: string[] = [];
  constructor(private readonly inner: Host) {}
  get label(): string {
    return this.inner.label;
  }
  run(script: string, opts?: RunOptions): Promise<ExecResult> {
    this.scripts.push(script);
    return this.inner.run(script, opts);
  }
  writeFile(path: string, content: string | Uint8Array, opts?: WriteFileOptions): Promise<void> {
    this.scripts.push(`writeFile ${path}`);
    return this.inner.writeFile(path, content, opts);
  }
  readFile(path: string, opts?: TimeoutOptions): Promise<Buffer | null> {
    return this.inner.readFile(path, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
}

/** Runs a command inside a network namespace named in /run/netns. */
export function inNetns(netns: string, cmd: string): string {
  return execFileSync('nsenter', [`--net=/run/netns/${netns}`, 'sh', '-c', cmd], { encoding: 'utf8' });
}

/** The global-scope addresses in a network namespace, CIDR form, sorted. */
export function globalAddresses(netns: string): string[] {
  return inNetns(netns, 'ip -o addr show scope global')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/)[3])
    .sort();
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/** True while the process exists and has not exited (zombies waiting to be reaped count as gone). */
export function pidAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function readPid(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function processesMatching(text: string): number[] {
  const out: number[] = [];
  for (const pid of execFileSync('sh', ['-c', 'ls /proc | grep -E "^[0-9]+$"'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out.filter((p) => p !== process.pid);
}
