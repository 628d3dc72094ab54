#!/usr/bin/env node
/**
 * The node-side shell files (src/**\/*.sh, see src/host/shell-files.ts), for the build:
 *
 *   node scripts/shell-files.mjs copy <dir>   copies them under <dir> (the tsc output's src/)
 *   node scripts/shell-files.mjs list         prints their paths, one a line (for scripts/lint.sh)
 *
 * The esbuild bundles embed them instead (scripts/bundle-provider.mjs imports `readShellFiles`).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** Paths relative to src/, sorted, with `/` as separator. */
export function listShellFiles() {
  return readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sh'))
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(src.length + 1).split('\\').join('/'))
    .sort();
}

/** `{ 'agent/sh/network-lib.sh': text, … }`: what `__NODE_SHELL_FILES__` holds in a bundle. */
export function readShellFiles() {
  return Object.fromEntries(listShellFiles().map((p) => [p, readFileSync(join(src, p), 'utf8')]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2);
  if (command === 'list' && !dir) {
    for (const p of listShellFiles()) console.log(`src/${p}`);
  } else if (command === 'copy' && dir) {
    const files = listShellFiles();
    for (const p of files) {
      const to = join(resolve(root, dir), p);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(src, p), to);
    }
    console.log(`shell files: ${files.length} copied to ${dir}`);
  } else {
    console.error('usage: node scripts/shell-files.mjs list | copy <dir>');
    process.exit(2);
  }
}
