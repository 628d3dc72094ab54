/**
 * Running local commands for the lab (argv only, no shell) and killing processes by pid.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** A lab step failed; the message names the step and what the command said. */
export class LabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LabError';
  }
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args…` and returns its outcome whatever the exit code. */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: opts.env },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        let code = 0;
        if (e) code = typeof e.code === 'number' ? e.code : e.killed ? 137 : 127;
        const extra = e && typeof e.code !== 'number' && !e.killed ? e.message : '';
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + extra });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs a command that must succeed; `step` says what it was for in the error. */
export async function mustRun(step: string, file: string, args: readonly string[], opts?: { timeoutMs?: number }): Promise<string> {
  const r = await runCommand(file, args, opts);
  if (r.code !== 0) {
    throw new LabError(`${step}: \`${[file, ...args].join(' ')}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Whether a process with this pid exists (and is not a zombie). */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // state is the field after the parenthesised command name
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of a process, NUL separators turned into spaces; '' when gone. */
export async function processCommandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; resolves once every pid is gone. */
export async function killPids(pids: readonly number[], graceMs = 1000): Promise<void> {
  const live = pids.filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  live.forEach((p) => signal(p, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  let remaining = live;
  while (remaining.length > 0 && Date.now() < deadline) {
    await sleep(25);
    remaining = (await Promise.all(remaining.map(async (p) => ((await processAlive(p)) ? p : -1)))).filter((p) => p > 0);
  }
  remaining.forEach((p) => signal(p, 'SIGKILL'));
  const killDeadline = Date.now() + 2000;
  while (remaining.length > 0 && Date.now() < killDeadline) {
    await sleep(10);
    remaining = (await Promise.all(remaining.map(async (p) => ((await processAlive(p)) ? p : -1)))).filter((p) => p > 0);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
