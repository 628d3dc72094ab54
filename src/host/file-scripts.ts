/**
 * Shell scripts for file transfer over a command channel: the content travels on stdin, the
 * path is quoted with `shq`. Shared by transports that only have "run a command line".
 */
import { posix } from 'node:path';
import { sh, shq } from './quote';

/** Exit status the read script uses for "no such file" (sysexits EX_NOINPUT). */
export const READ_MISSING_EXIT = 66;

/** Checks a file mode and renders it in octal for chmod. */
export function octalMode(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`writeFile mode: got ${mode}; a permission number 0..0o7777 (e.g. 0o644) is allowed`);
  }
  return mode.toString(8).padStart(4, '0');
}

/** Refuses paths no file can have (empty, NUL) and directory-like ones. */
export function checkFilePath(path: string): void {
  if (typeof path !== 'string' || path === '' || path.includes('\0') || path.endsWith('/')) {
    throw new RangeError(`file path: got ${JSON.stringify(path)}; a file path (not empty, no NUL, not ending in "/") is allowed`);
  }
}

/**
 * Script that stores stdin at `path` atomically: a temporary file in the same directory (so
 * the rename stays on one file system), mode set, then renamed over the target. Readers see
 * the old content or the new one, never a partial file; the temporary file is removed when
 * any step fails.
 */
export function writeFileScript(path: string, mode: number): string {
  checkFilePath(path);
  const dir = posix.dirname(path);
  // mktemp needs room for its suffix within NAME_MAX; a shortened prefix is enough.
  const base = posix.basename(path).slice(0, 200);
  const template = `${dir === '/' ? '' : dir}/.${base}.tmp.XXXXXX`;
  return [
    'set -e',
    sh`tmp=$(mktemp ${template})`,
    `trap 'rm -f "$tmp"' EXIT`,
    'cat > "$tmp"',
    `chmod ${octalMode(mode)} "$tmp"`,
    sh`mv -f "$tmp" ${path}`,
    'trap - EXIT',
  ].join('\n');
}

/** Script that prints the file at `path`, or exits {@link READ_MISSING_EXIT} when there is none. */
export function readFileScript(path: string): string {
  checkFilePath(path);
  const q = shq(path);
  return `if [ ! -e ${q} ]; then exit ${READ_MISSING_EXIT}; fi\nexec cat < ${q}`;
}
