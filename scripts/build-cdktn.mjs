#!/usr/bin/env node
/**
 * The `cdktf-dhcp-agent/cdktn` entry point: the same constructs compiled against CDK Terrain
 * (`cdktn`, the community fork of the archived cdktf) instead of cdktf, so that a cdktn app gets
 * them typed and loads no cdktf at all.
 *
 * 1. tsc -p tsconfig.cdktn.json: index.ts and constructs/ type-checked with `cdktf` resolved to
 *    the installed `cdktn` (a type error here is a real incompatibility of the fork), emitted
 *    to dist/cdktn/.
 * 2. In the emitted .js and .d.ts, the module name `cdktf` becomes `cdktn`, and imports of src/
 *    point at the shared dist/src/ (src/ does not import cdktf), which the copy tsc made is
 *    replaced by.
 *
 * The package's cdktn/package.json sends `require('cdktf-dhcp-agent/cdktn')` here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cdktn');
const sharedSrc = join(root, 'dist', 'src');

if (!existsSync(join(root, 'node_modules', 'cdktn', 'package.json'))) {
  console.error('build-cdktn: the devDependency cdktn is not installed (npm install); the cdktf-dhcp-agent/cdktn entry point is built against it');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.cdktn.json')], { stdio: 'inherit' });

/** `./x` specifiers that land in dist/cdktn/src/ are sent to dist/src/. */
function rewrite(file, text) {
  const dir = dirname(file);
  return text.replace(/(require\(|from |import\()(["'])([^"']+)\2/g, (whole, head, q, spec) => {
    if (spec === 'cdktf') return `${head}${q}cdktn${q}`;
    if (spec.startsWith('cdktf/')) throw new Error(`build-cdktn: ${relative(root, file)} imports ${spec}; only the package root 'cdktf' is mapped to cdktn`);
    if (!spec.startsWith('.')) return whole;
    const target = resolve(dir, spec);
    const inCopy = relative(join(out, 'src'), target);
    if (inCopy.startsWith('..') || inCopy === '') return whole;
    let to = relative(dir, join(sharedSrc, inCopy)).split(sep).join('/');
    if (!to.startsWith('.')) to = `./${to}`;
    return `${head}${q}${to}${q}`;
  });
}

let files = 0;
for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath ?? entry.path, entry.name);
  if (!entry.isFile() || !/\.(js|d\.ts)$/.test(entry.name) || !relative(join(out, 'src'), file).startsWith('..')) continue;
  writeFileSync(file, rewrite(file, readFileSync(file, 'utf8')));
  files++;
}
rmSync(join(out, 'src'), { recursive: true, force: true });
console.log(`cdktn entry point: ${files} files in ${relative(root, out)} (cdktf → cdktn, src shared with dist/src)`);
