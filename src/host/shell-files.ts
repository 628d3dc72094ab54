/**
 * The shell that runs on nodes lives in `.sh` files under src/ (`src/agent/sh`, `src/lab/sh`),
 * where editors and shellcheck read it (`npm run lint`, scripts/lint.sh). This module hands
 * their text to the TypeScript that sends it.
 *
 * Where the text comes from:
 * - in the esbuild bundles (dist/provider.cjs, dist/cli.cjs) it is embedded at bundle time
 *   (`__NODE_SHELL_FILES__`, see scripts/bundle-provider.mjs), as the tfplugin6 `.proto` is;
 * - from the TypeScript sources (tsx) and from the tsc output (dist/src, where the build copies
 *   the files, see scripts/shell-files.mjs) it is read beside this module's directory.
 *
 * A file's leading comment lines (up to its first line that is not a comment: a `# shellcheck`
 * directive, what the file expects to be set) are for readers and shellcheck; nodes do not get
 * them. Values from TypeScript are never spliced into the text: they come first, as variable
 * assignments quoted with `shq` ({@link shellVars}).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shq } from './quote';

declare const __NODE_SHELL_FILES__: Record<string, string> | undefined;

/** src/, seen from this module (src/host under tsx, dist/src/host in the tsc output). */
const SRC_ROOT = join(__dirname, '..');

const cache = new Map<string, string>();

/**
 * The text of the shell file at `path` (relative to src/, e.g. `agent/sh/network-lib.sh`),
 * without its leading comment lines.
 */
export function shellFile(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    text = withoutLeadingComments(readShellFile(path));
    cache.set(path, text);
  }
  return text;
}

function readShellFile(path: string): string {
  if (typeof __NODE_SHELL_FILES__ === 'object' && __NODE_SHELL_FILES__ !== null) {
    const text = __NODE_SHELL_FILES__[path];
    if (text === undefined) throw new Error(`shell file ${path} is not embedded in this bundle (embedded: ${Object.keys(__NODE_SHELL_FILES__).join(', ')})`);
    return text;
  }
  const file = join(SRC_ROOT, path);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`shell file ${path} not found at ${file} (${err instanceof Error ? err.message : String(err)}); a tsc build copies the .sh files into dist with scripts/shell-files.mjs`);
  }
}

/** Drops the lines up to the first one that does not start with `#` (a blank line stays). */
export function withoutLeadingComments(text: string): string {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length - 1 && lines[i].startsWith('#')) i++;
  return lines.slice(i).join('\n');
}

/** Variable assignments, one a line, values quoted with `shq`, for text that follows them. */
export function shellVars(vars: Readonly<Record<string, string | number>>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`shell variable name ${JSON.stringify(name)}: allowed are upper-case letters, digits and _`);
      return `${name}=${shq(value)}\n`;
    })
    .join('');
}
