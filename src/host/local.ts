/**
 * `LocalHost`: the {@link Host} of the machine this process runs on, as the current user.
 * Scripts go to `sh -s` on stdin (through `execa`), files are handled with `node:fs`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, unlink } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname, basename, join } from 'node:path';
import { checkFilePath, octalMode } from './file-scripts';
import { HostError, type ExecResult, type Host, type RunOptions, type TimeoutOptions, type WriteFileOptions } from './types';

const DEFAULT_TIMEOUT_MS = 60_000;

/** This machine. No connection to manage; `close` does nothing. */
export class LocalHost implements Host {
  readonly label = 'local';

  async run(script: string, opts?: RunOptions): Promise<ExecResult> {
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs: got ${timeoutMs}; a positive number of milliseconds is allowed`);
    }
    // execa 9 is ESM-only; this package compiles to CommonJS, where only import() loads it.
    const { execa } = await import('execa');
    const child = execa('sh', ['-s'], {
      input: script,
      reject: false,
      stripFinalNewline: false,
      // Own process group, so a timeout kills the script's children too, not only `sh`.
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    const result = await child.finally(() => clearTimeout(timer));
    if (timedOut) throw new HostError(this.label, `run timed out after ${timeoutMs} ms`, 'timeout');
    if (result.exitCode === undefined && result.signal === undefined) {
      throw new HostError(this.label, `cannot run sh: ${result.message}`, 'other', { cause: result.cause });
    }
    const code = result.exitCode ?? 128 + (result.signal ? osConstants.signals[result.signal] : 0);
    return { code, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  }

  async writeFile(path: string, content: string | Uint8Array, opts?: WriteFileOptions): Promise<void> {
    checkFilePath(path);
    const mode = opts?.mode ?? 0o644;
    octalMode(mode);
    const tmp = join(dirname(path), `.${basename(path).slice(0, 200)}.tmp.${randomBytes(6).toString('hex')}`);
    try {
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(content);
      } finally {
        await file.close();
      }
      // chmod after writing: the mode given to open() is reduced by the umask.
      await chmod(tmp, mode);
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new HostError(this.label, `writeFile ${path}: ${(err as Error).message}`, 'other', { cause: err });
    }
  }

  async readFile(path: string, _opts?: TimeoutOptions): Promise<Buffer | null> {
    checkFilePath(path);
    try {
      return await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HostError(this.label, `readFile ${path}: ${(err as Error).message}`, 'other', { cause: err });
    }
  }

  async close(): Promise<void> {}
}
